#!/usr/bin/env node
// Builds the portal's front-end assets into static/dist/.
//
//   static/src/scss/portal.scss  -> portal.<hash>.css      (left to right)
//                                -> portal-rtl.<hash>.css  (right to left, via rtlcss)
//   static/src/js/portal.js      -> portal.<hash>.js
//   USWDS images the CSS refers to, and the banner's icons
//                                -> img/<path>.<hash>.<ext>
//   static/dist/manifest.json    logical name -> path relative to static/dist
//
// Usage: npm run build   (after npm install)

import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import zlib from "node:zlib";

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const NODE_MODULES = path.join(ROOT, "node_modules");
const USWDS = path.join(NODE_MODULES, "@uswds", "uswds");
const USWDS_PACKAGES = path.join(USWDS, "packages");
const USWDS_IMG = path.join(USWDS, "dist", "img");
const SRC = path.join(ROOT, "static", "src");
const DIST = path.join(ROOT, "static", "dist");
const SCSS_ENTRY = path.join(SRC, "scss", "portal.scss");
const JS_ENTRY = path.join(SRC, "js", "portal.js");

// Must match $theme-image-path in static/src/scss/_settings.scss.
const IMAGE_PATH = "img";

// Images that templates use in <img> tags, copied even though the CSS does
// not refer to them: the banner's flag, .gov and lock icons, and the icon of
// the usa-search button on small screens. Paths are relative to USWDS dist/img.
const EXTRA_IMAGES = [
  "us_flag_small.png",
  "icon-dot-gov.svg",
  "icon-https.svg",
  "lock.svg",
  "usa-icons-bg/search--white.svg",
];

const HASH_LENGTH = 10;

function fail(message) {
  console.error(`build-assets: ${message}`);
  process.exit(1);
}

function requireInstalled() {
  const needed = [
    ["sass", path.join(NODE_MODULES, "sass", "package.json")],
    ["rtlcss", path.join(NODE_MODULES, "rtlcss", "package.json")],
    ["@uswds/uswds", path.join(USWDS, "package.json")],
  ];
  if (!fs.existsSync(NODE_MODULES)) {
    fail(`${NODE_MODULES} is missing. Run "npm install" in ${ROOT} first.`);
  }
  const missing = needed.filter(([, file]) => !fs.existsSync(file)).map(([name]) => name);
  if (missing.length) {
    fail(`node_modules lacks ${missing.join(", ")}. Run "npm install" in ${ROOT} first.`);
  }
}

function contentHash(data) {
  return createHash("sha256").update(data).digest("hex").slice(0, HASH_LENGTH);
}

function hashedName(relPath, data) {
  const ext = path.posix.extname(relPath);
  const base = relPath.slice(0, relPath.length - ext.length);
  return `${base}.${contentHash(data)}${ext}`;
}

function toPosix(p) {
  return p.split(path.sep).join("/");
}

// --- Stylesheets -----------------------------------------------------------

async function compileScss() {
  const sass = await import("sass");
  let result;
  try {
    // Expanded first, so /*rtl:...*/ directives survive for rtlcss;
    // each direction is compressed afterwards.
    result = sass.compile(SCSS_ENTRY, {
      loadPaths: [USWDS_PACKAGES],
      style: "expanded",
      sourceMap: false,
      quietDeps: true,
      logger: {
        warn(message, options) {
          if (options.deprecation) return; // USWDS's own deprecations are not ours to fix
          console.warn(`sass warning: ${message}`);
        },
      },
    });
  } catch (error) {
    fail(`Sass failed:\n${error.message}`);
  }
  return { sass, css: result.css };
}

function compress(sass, css, label) {
  try {
    return sass.compileString(css, { syntax: "css", style: "compressed" }).css;
  } catch (error) {
    fail(`could not minify ${label}:\n${error.message}`);
  }
}

// url(...) references in the CSS, except fragments, data: and absolute URLs,
// and the empty url("") USWDS uses inside @supports tests.
const URL_PATTERN = /url\(\s*(['"]?)([^'")]*)\1\s*\)/g;

function localImageRefs(css) {
  const refs = new Set();
  for (const match of css.matchAll(URL_PATTERN)) {
    const ref = match[2].trim();
    if (!ref || ref.startsWith("#") || /^[a-z][a-z0-9+.-]*:/i.test(ref) || ref.startsWith("//")) {
      continue;
    }
    refs.add(ref);
  }
  return refs;
}

function rewriteUrls(css, mapping) {
  return css.replace(URL_PATTERN, (whole, quote, ref) => {
    const target = mapping.get(ref.trim());
    return target ? `url(${quote}${target}${quote})` : whole;
  });
}

// --- Script ----------------------------------------------------------------

// A deliberately simple minifier: it drops whole-line comments, block
// comments that start a line, indentation and blank lines. It never looks
// inside a line, so strings and regular expressions are left alone.
function minifyJs(source) {
  const out = [];
  let inBlock = false;
  for (const rawLine of source.split(/\r?\n/)) {
    const line = rawLine.trim();
    if (inBlock) {
      if (line.includes("*/")) {
        inBlock = false;
        const rest = line.slice(line.indexOf("*/") + 2).trim();
        if (rest) out.push(rest);
      }
      continue;
    }
    if (!line || line.startsWith("//")) continue;
    if (line.startsWith("/*")) {
      const end = line.indexOf("*/", 2);
      if (end === -1) {
        inBlock = true;
        continue;
      }
      const rest = line.slice(end + 2).trim();
      if (rest) out.push(rest);
      continue;
    }
    out.push(line);
  }
  return out.join("\n") + "\n";
}

// --- Output ----------------------------------------------------------------

function walk(dir) {
  if (!fs.existsSync(dir)) return [];
  const files = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) files.push(...walk(full));
    else files.push(full);
  }
  return files;
}

function removeEmptyDirs(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (!entry.isDirectory()) continue;
    const full = path.join(dir, entry.name);
    removeEmptyDirs(full);
    if (fs.readdirSync(full).length === 0) fs.rmdirSync(full);
  }
}

function formatBytes(n) {
  return n >= 1024 ? `${(n / 1024).toFixed(1)} KB` : `${n} B`;
}

function gzipSize(data) {
  return zlib.gzipSync(data, { level: 9 }).length;
}

async function main() {
  requireInstalled();
  if (!fs.existsSync(SCSS_ENTRY)) fail(`${SCSS_ENTRY} not found.`);
  if (!fs.existsSync(JS_ENTRY)) fail(`${JS_ENTRY} not found.`);

  const outputs = new Map(); // relative output path -> Buffer
  const manifest = {};

  function emit(logicalName, relPath, data) {
    const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data, "utf8");
    const outPath = hashedName(relPath, buffer);
    outputs.set(outPath, buffer);
    manifest[logicalName] = outPath;
    return outPath;
  }

  // Stylesheets and the images they refer to.
  const { sass, css: expanded } = await compileScss();
  const { default: rtlcss } = await import("rtlcss");

  const refs = localImageRefs(expanded);
  const prefix = `${IMAGE_PATH}/`;
  const urlMapping = new Map();
  const images = new Set(EXTRA_IMAGES);
  for (const ref of refs) {
    if (!ref.startsWith(prefix)) fail(`the CSS refers to ${ref}, which is outside ${prefix}`);
    images.add(ref.slice(prefix.length));
  }
  for (const image of [...images].sort()) {
    const source = path.join(USWDS_IMG, ...image.split("/"));
    if (!fs.existsSync(source)) fail(`image ${image} not found in ${toPosix(path.relative(ROOT, USWDS_IMG))}`);
    const logical = `img/${image}`;
    const outPath = emit(logical, logical, fs.readFileSync(source));
    if (refs.has(`${prefix}${image}`)) urlMapping.set(`${prefix}${image}`, outPath);
  }

  // Image paths in the CSS are relative to the stylesheet, which sits at the
  // root of static/dist, so the manifest's paths are used as they are.
  const ltrExpanded = rewriteUrls(expanded, urlMapping);
  let rtlExpanded;
  try {
    rtlExpanded = rtlcss.process(ltrExpanded);
  } catch (error) {
    fail(`rtlcss failed:\n${error.message}`);
  }
  const ltr = compress(sass, ltrExpanded, "portal.css");
  const rtl = compress(sass, rtlExpanded, "portal-rtl.css");
  if (/url\(\s*['"]?data:/i.test(ltr + rtl)) fail("the CSS contains a data: URI, which the Content-Security-Policy blocks.");
  emit("portal.css", "portal.css", ltr);
  emit("portal-rtl.css", "portal-rtl.css", rtl);

  // Script.
  emit("portal.js", "portal.js", minifyJs(fs.readFileSync(JS_ENTRY, "utf8")));

  // Write the outputs, then delete anything left from earlier builds.
  fs.mkdirSync(DIST, { recursive: true });
  for (const [rel, data] of outputs) {
    const full = path.join(DIST, ...rel.split("/"));
    fs.mkdirSync(path.dirname(full), { recursive: true });
    fs.writeFileSync(full, data);
  }
  const sortedManifest = Object.fromEntries(Object.keys(manifest).sort().map((key) => [key, manifest[key]]));
  fs.writeFileSync(path.join(DIST, "manifest.json"), JSON.stringify(sortedManifest, null, 2) + "\n");

  const keep = new Set([...outputs.keys(), "manifest.json"]);
  let removed = 0;
  for (const file of walk(DIST)) {
    const rel = toPosix(path.relative(DIST, file));
    if (!keep.has(rel)) {
      fs.unlinkSync(file);
      removed += 1;
    }
  }
  removeEmptyDirs(DIST);

  // Report.
  const rows = [...outputs.entries()].sort(([a], [b]) => a.localeCompare(b));
  const width = Math.max(...rows.map(([rel]) => rel.length));
  console.log(`Built into ${toPosix(path.relative(ROOT, DIST))}/ (raw / gzip):`);
  for (const [rel, data] of rows) {
    console.log(`  ${rel.padEnd(width)}  ${formatBytes(data.length).padStart(9)}  ${formatBytes(gzipSize(data)).padStart(9)}`);
  }
  const firstVisit = [manifest["portal.css"], manifest["portal.js"]];
  const firstVisitGzip = firstVisit.reduce((sum, rel) => sum + gzipSize(outputs.get(rel)), 0);
  console.log(`  portal.css + portal.js gzip: ${formatBytes(firstVisitGzip)}`);
  if (removed) console.log(`Removed ${removed} stale file${removed === 1 ? "" : "s"}.`);
}

main().catch((error) => fail(error.stack || String(error)));
