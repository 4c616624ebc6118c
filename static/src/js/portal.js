/*
 * Civic Portal: progressive enhancement. Every page works without this file.
 *
 * 1. Error summary ([data-module="error-summary"], tabindex="-1"): focused
 *    when the page loads; its links (<a href="#field-id">) move focus to the
 *    field and bring the field's label or legend into view.
 * 2. form[data-prevent-double-submit]: a second submit within a few seconds
 *    of the first is ignored. The button stays enabled and announced as is.
 *
 * Plain ES5, no dependencies, no inline styles.
 */
(function () {
  "use strict";

  var DOUBLE_SUBMIT_WINDOW_MS = 5000;

  if (!document.querySelector || !document.addEventListener) {
    return;
  }

  function closest(element, tagName) {
    var name = tagName.toUpperCase();
    while (element && element.nodeType === 1) {
      if (element.tagName === name) {
        return element;
      }
      element = element.parentNode;
    }
    return null;
  }

  function legendOf(fieldset) {
    var child = fieldset.firstElementChild;
    while (child) {
      if (child.tagName === "LEGEND") {
        return child;
      }
      child = child.nextElementSibling;
    }
    return null;
  }

  function labelFor(field) {
    var labels = document.getElementsByTagName("label");
    for (var i = 0; i < labels.length; i += 1) {
      if (labels[i].htmlFor === field.id) {
        return labels[i];
      }
    }
    return closest(field, "label");
  }

  // The element to bring into view for a field: the fieldset's legend for
  // radios, checkboxes and grouped inputs (such as a date) when the legend
  // and the field fit on screen together, otherwise the field's own label.
  function captionFor(field) {
    var fieldset = closest(field, "fieldset");
    var legend = fieldset ? legendOf(fieldset) : null;
    var label = labelFor(field);
    var type = (field.getAttribute("type") || "").toLowerCase();

    if (legend) {
      if (type === "radio" || type === "checkbox" || !label) {
        return legend;
      }
      var legendTop = legend.getBoundingClientRect().top;
      var fieldRect = field.getBoundingClientRect();
      var viewport = window.innerHeight || document.documentElement.clientHeight;
      if (fieldRect.top + fieldRect.height - legendTop < viewport) {
        return legend;
      }
    }
    return label || field;
  }

  function targetId(link) {
    var href = link.getAttribute("href") || "";
    if (href.charAt(0) !== "#" || href.length < 2) {
      return null;
    }
    try {
      return decodeURIComponent(href.slice(1));
    } catch (error) {
      return href.slice(1);
    }
  }

  function focusField(field) {
    var caption = captionFor(field);
    try {
      field.focus({ preventScroll: true });
    } catch (error) {
      field.focus();
    }
    if (caption.scrollIntoView) {
      caption.scrollIntoView();
    }
  }

  function initErrorSummary() {
    var summary = document.querySelector('[data-module="error-summary"]');
    if (!summary) {
      return;
    }

    summary.addEventListener("click", function (event) {
      var link = closest(event.target, "a");
      if (!link || !summary.contains(link)) {
        return;
      }
      var id = targetId(link);
      var field = id ? document.getElementById(id) : null;
      if (!field) {
        return;
      }
      event.preventDefault();
      focusField(field);
    });

    summary.focus();
  }

  function initDoubleSubmit() {
    var lastSubmit = [];

    function findEntry(form) {
      for (var i = 0; i < lastSubmit.length; i += 1) {
        if (lastSubmit[i].form === form) {
          return lastSubmit[i];
        }
      }
      return null;
    }

    document.addEventListener("submit", function (event) {
      var form = event.target;
      if (!form || form.tagName !== "FORM" || !form.hasAttribute("data-prevent-double-submit")) {
        return;
      }
      var now = new Date().getTime();
      var entry = findEntry(form);
      if (entry && now - entry.time < DOUBLE_SUBMIT_WINDOW_MS) {
        event.preventDefault();
        return;
      }
      if (entry) {
        entry.time = now;
      } else {
        lastSubmit.push({ form: form, time: now });
      }
    });

    // Coming back to a page kept in the browser's cache starts afresh.
    window.addEventListener("pageshow", function (event) {
      if (event.persisted) {
        lastSubmit = [];
      }
    });
  }

  function init() {
    initErrorSummary();
    initDoubleSubmit();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }

  // 3. Session timeout ([data-module="session-timeout"] on a <dialog>): shown
  //    a few minutes before a signed-in session ends for lack of activity,
  //    with a button that extends it. At the end, go to the timed-out page.
  function sessionTimeout(dialog) {
    var expires = Date.parse(dialog.getAttribute("data-expires"));
    var warn = parseInt(dialog.getAttribute("data-warn-seconds"), 10) * 1000;
    var timedOutUrl = dialog.getAttribute("data-timed-out-url");
    var form = dialog.querySelector("form");
    var button = dialog.querySelector("[data-extend]");
    var warnTimer = null;
    var endTimer = null;
    var opener = null;

    if (isNaN(expires) || typeof dialog.showModal !== "function" || !window.fetch) {
      return;
    }

    function schedule() {
      var now = Date.now();
      window.clearTimeout(warnTimer);
      window.clearTimeout(endTimer);
      warnTimer = window.setTimeout(open, Math.max(expires - warn - now, 0));
      endTimer = window.setTimeout(function () {
        window.location.href = timedOutUrl;
      }, Math.max(expires - now, 0));
    }

    function open() {
      if (!dialog.open) {
        opener = document.activeElement;
        dialog.showModal();
        button.focus();
      }
    }

    function close() {
      if (dialog.open) {
        dialog.close();
      }
      if (opener && opener.focus) {
        opener.focus();
      }
    }

    form.addEventListener("submit", function (event) {
      event.preventDefault();
      var body = new FormData(form);
      window.fetch(form.getAttribute("action"), {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "Accept": "application/json" }
      }).then(function (response) {
        if (!response.ok) {
          throw new Error("extend failed");
        }
        return response.json();
      }).then(function (data) {
        expires = Date.parse(data.idle_expires_at);
        close();
        schedule();
      })["catch"](function () {
        form.submit();
      });
    });

    schedule();
  }

  var timeoutDialog = document.querySelector('[data-module="session-timeout"]');
  if (timeoutDialog) {
    sessionTimeout(timeoutDialog);
  }

  // 4. Character count ([data-module="character-count"]): how many characters are left, shown as
  //    you type and told to screen readers after a pause. The limit is checked on the server too.
  function characterCount(group) {
    var field = group.querySelector("textarea[data-maxlength]");
    var visible = group.querySelector(".portal-character-count");
    var spoken = group.querySelector("[aria-live]");
    var limit = parseInt(field.getAttribute("data-maxlength"), 10);
    var timer = null;

    function message() {
      var left = limit - field.value.length;
      var count = Math.abs(left);
      var key = left >= 0 ? "data-remaining" : "data-over";
      return visible.getAttribute(key).replace("{n}", String(count));
    }

    function update() {
      var text = message();
      visible.textContent = text;
      visible.className = "usa-hint portal-character-count" +
        (field.value.length > limit ? " portal-character-count--over" : "");
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { spoken.textContent = text; }, 1000);
    }

    visible.hidden = false;
    visible.textContent = message();
    field.addEventListener("input", update);
  }

  var counts = document.querySelectorAll('[data-module="character-count"]');
  for (var c = 0; c < counts.length; c += 1) {
    characterCount(counts[c]);
  }
})();
