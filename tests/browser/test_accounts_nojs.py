"""With JavaScript off, on a phone, in Spanish: a resident with an account.

- A new resident signs up, confirms the address, chooses Spanish and text messages, reports a
  problem, and is sent the receipt as a text message in Spanish; the request is in their account.
- Rental assistance for a household of three, over two sittings: the screener, three household
  members, a photo for each document; a new browser session; back through the account; sent;
  staff ask for more information, answered online with a document; approved.
- A permit application and a problem report are withdrawn.

Expected text comes from the service catalog and the app's compiled translations.
"""

from __future__ import annotations

import re

import pytest
from selenium.webdriver.common.by import By

from portal.cases import workflow
from portal.notify.render import render

from .support import (
    Http,
    answer_page,
    choose,
    fill_address,
    fill_item,
    fill_text,
    h1_text,
    link_in,
    move_case,
    path_of,
    private_link_in,
    queued,
    reference_in,
    reset_rate_limits,
    sample_files,
    send_via_http,
    submit,
    tick,
    translate,
    upload,
    wait_for_new_page,
    wait_for_path,
)

pytestmark = pytest.mark.browser

LOCALE = "es"
PASSWORD = "violet kettle marches north"
RENTAL = "rental-assistance"


def follow(driver, css: str) -> None:
    link = driver.find_element(By.CSS_SELECTOR, css)
    link.click()
    wait_for_new_page(driver, link)


def assert_spanish(driver) -> None:
    html = driver.find_element(By.TAG_NAME, "html")
    assert (html.get_attribute("lang"), html.get_attribute("dir")) == ("es", "ltr"), (
        driver.current_url
    )
    assert driver.execute_script("return window.innerWidth") == 375


def main_text(driver) -> str:
    return driver.find_element(By.TAG_NAME, "main").text


def sign_in(driver, email: str) -> None:
    wait_for_path(driver, "/account/sign-in")
    fill_text(driver, "email", email)
    fill_text(driver, "password", PASSWORD)
    submit(driver)


def make_account(server, email: str) -> None:
    """An account made and confirmed in Spanish, as the sign-up journey below does in a browser."""
    http = Http(server, LOCALE)
    response = http.post("/account/create", {"email": email, "password": PASSWORD})
    assert response.status_code == 302, response.text[:1000]
    assert http.get(link_in(server.app, "verify_email", email=email)).status_code == 200


def test_sign_up_choose_spanish_text_messages_and_report_a_problem(nojs_browser, live_server):
    driver, app = nojs_browser, live_server.app
    reset_rate_limits()
    email = "lucia.sanchez@example.com"
    pothole = app.extensions["catalog"].service("pothole")

    # Sign up from the header's "Sign in" link.
    driver.get(live_server("/", lang=LOCALE))
    follow(driver, "header a[href='/account/sign-in']")
    follow(driver, "main a[href='/account/create']")
    assert_spanish(driver)
    assert h1_text(driver) == translate(app, LOCALE, "Create an account")
    fill_text(driver, "email", email)
    fill_text(driver, "password", PASSWORD)
    submit(driver)
    wait_for_path(driver, "/account/check-email")
    assert h1_text(driver) == translate(app, LOCALE, "Check your email")

    # The link in the email confirms the address; the account then asks to sign in.
    (verify,) = queued(app, "verify_email", email=email)
    assert verify.locale == LOCALE
    driver.get(live_server(link_in(app, "verify_email", email=email)))
    assert_spanish(driver)
    assert h1_text(driver) == translate(app, LOCALE, "Email address confirmed")
    follow(driver, "main a[href='/account']")  # Go to your account
    sign_in(driver, email)
    wait_for_path(driver, "/account")
    assert h1_text(driver) == translate(app, LOCALE, "Your account")

    # How we contact you: text messages, in Spanish.
    follow(driver, "main a[href='/account/preferences']")
    choose(driver, "channel", "text")
    fill_text(driver, "phone", "202 555 0187")
    choose(driver, "locale", LOCALE)
    submit(driver)
    wait_for_path(driver, "/account")
    assert translate(app, LOCALE, "Your contact preferences are saved.") in main_text(driver)

    # Report a pothole from the account: no contact page, the account says how to reach them.
    follow(driver, "main a[href='/services']")
    follow(driver, "main a[href$='/report/pothole']")
    follow(driver, "main a.usa-button")  # Start now
    wait_for_path(driver, "/report/pothole/q/location")
    fill_address(driver, {"street": "12 Main Street", "city": "Riverton", "zip": "20500"})
    submit(driver)
    answer_page(driver, "singlevaluelist", "traffic_lane")
    answer_page(driver, "singlevaluelist", "medium")
    answer_page(driver, "date", {})
    answer_page(driver, "text", "El bache está junto a la parada del autobús.")
    wait_for_path(driver, "/report/pothole/check")
    assert "202" in main_text(driver) and "0187" in main_text(driver)  # how we will reach them
    submit(driver)  # Send report
    wait_for_path(driver, "/report/pothole/confirmation")
    assert_spanish(driver)
    reference = driver.find_element(By.CSS_SELECTOR, ".portal-reference__number").text.strip()

    # The receipt waiting to be sent is a text message, in Spanish.
    (receipt,) = [n for n in queued(app, "case_received") if n.context["reference"] == reference]
    assert (receipt.channel, receipt.locale) == ("sms", LOCALE)
    assert receipt.recipient["phone"].endswith("2025550187")
    sms = render(app, receipt)
    expected = translate(
        app, LOCALE,
        "%(agency)s: we received your request %(reference)s (%(service)s). Track it: %(url)s",
        agency="\x00", reference=reference, service=pothole.name(LOCALE), url="\x00",
    ).split("\x00")[1]
    assert (sms.channel, sms.locale) == ("sms", LOCALE) and expected in sms.text, sms.text

    # The account lists the request.
    driver.get(live_server("/account"))
    listed = driver.find_element(By.CSS_SELECTOR, f"main a[href='/track/case/{reference}']")
    assert pothole.name(LOCALE) in listed.text and reference in listed.text


def test_rental_assistance_for_three_over_two_sittings(nojs_browser, live_server, tmp_path):
    driver, app = nojs_browser, live_server.app
    reset_rate_limits()
    email = "carmen.ruiz@example.com"
    make_account(live_server, email)
    files = sample_files(tmp_path)
    rental = app.extensions["catalog"].service(RENTAL)
    members = rental.question("household_members")
    people = [
        ("Carmen Ruiz", "self", {"day": "2", "month": "3", "year": "1985"}, "1900"),
        ("Diego Ruiz", "spouse_partner", {"day": "14", "month": "7", "year": "1983"}, "1100"),
        ("Sofía Ruiz", "child", {"day": "9", "month": "11", "year": "2014"}, "0"),
    ]

    # First sitting: sign in, find the service, answer the screener.
    driver.get(live_server("/account/sign-in", lang=LOCALE))
    sign_in(driver, email)
    wait_for_path(driver, "/account")
    follow(driver, "main a[href='/services']")
    follow(driver, f"main a[href$='/report/{RENTAL}']")
    assert_spanish(driver)
    assert rental.name(LOCALE) in h1_text(driver)
    follow(driver, "main a.usa-button")  # Start now
    wait_for_path(driver, f"/report/{RENTAL}/q/lives_in_riverton")
    answer_page(driver, "yesno", "yes")
    answer_page(driver, "yesno", "yes")
    wait_for_path(driver, f"/report/{RENTAL}/q/household_size")
    answer_page(driver, "number", "3")
    answer_page(driver, "money", "42000")
    wait_for_path(driver, f"/report/{RENTAL}/q/may_be_eligible")
    assert h1_text(driver) == rental.question("may_be_eligible").label(LOCALE)
    submit(driver)
    answer_page(driver, "string", "Carmen Ruiz")
    answer_page(driver, "phone", "202 555 0161")
    answer_page(driver, "email", email)
    wait_for_path(driver, f"/report/{RENTAL}/q/applicant_address")
    fill_address(driver, {"street": "9 Elm Street", "city": "Riverton", "zip": "20500"})
    submit(driver)

    # Three people, one page each.
    group = f"/report/{RENTAL}/q/household_members"
    wait_for_path(driver, group)
    for name, relationship, born, income in people:
        follow(driver, "#add-item")  # Add a person
        assert_spanish(driver)
        fill_item(driver, members, {
            "member_name": name, "relationship": relationship, "date_of_birth": born,
            "monthly_income": income, "income_source": "job" if income != "0" else "none",
        })
        submit(driver)
        wait_for_path(driver, group)
    titles = driver.find_elements(By.CSS_SELECTOR, "main .portal-case-list__title")
    listed = [title.text for title in titles]
    assert [name for name, *_ in people] == [re.sub(r"^.*?: ", "", t) for t in listed], listed
    submit(driver)  # Continue

    answer_page(driver, "money", "1250")
    answer_page(driver, "money", "2500")
    answer_page(driver, "singlevaluelist", "lost_income")
    answer_page(driver, "string", "Riverton Homes LLC")
    answer_page(driver, "phone", "202 555 0199")
    answer_page(driver, "email", "")
    answer_page(driver, "yesno", "yes")  # an eviction notice
    answer_page(driver, "date", {})  # no court date yet
    wait_for_path(driver, f"/report/{RENTAL}/q/eviction_notice_file")
    upload(driver, [files["jpeg"]])  # Upload: the page lists it
    assert files["jpeg"].name in main_text(driver)
    upload(driver, [files["png"]], action="continue")  # choose and Continue: uploaded too
    wait_for_path(driver, f"/report/{RENTAL}/q/proof_of_income")
    upload(driver, [files["jpeg"], files["png"]], action="continue")

    # Stop: sign out, and close the browser (a new session, no cookies).
    wait_for_path(driver, f"/report/{RENTAL}/q/proof_of_identity")
    follow(driver, "header form button[type=submit]")  # Sign out
    wait_for_path(driver, "/account/signed-out")
    driver.execute_cdp_cmd("Network.clearBrowserCookies", {})

    # Second sitting: sign in; the account lists the unsent form; Continue.
    driver.get(live_server("/account/sign-in", lang=LOCALE))
    sign_in(driver, email)
    wait_for_path(driver, "/account")
    assert translate(app, LOCALE, "Forms you have not sent yet") in main_text(driver)
    follow(driver, f"main form[action*='/report/{RENTAL}/continue/'] button")
    wait_for_path(driver, f"/report/{RENTAL}/q/proof_of_identity")
    assert_spanish(driver)
    upload(driver, [files["jpeg"]], action="continue")
    wait_for_path(driver, f"/report/{RENTAL}/q/lease")
    upload(driver, [files["png"]], action="continue")
    wait_for_path(driver, f"/report/{RENTAL}/q/declaration")
    tick(driver, "value")
    submit(driver)

    # Check answers (no contact page: the account has the details), then send.
    wait_for_path(driver, f"/report/{RENTAL}/check")
    answers = main_text(driver)
    assert all(name in answers for name, *_ in people)
    assert files["jpeg"].name in answers and files["png"].name in answers
    submit(driver)  # Send application
    wait_for_path(driver, f"/report/{RENTAL}/confirmation")
    reference = driver.find_element(By.CSS_SELECTOR, ".portal-reference__number").text.strip()

    # Staff ask for more information; the resident answers from their account, with a document.
    question = "Envíe una copia de su contrato de alquiler firmada por su arrendador."
    move_case(app, reference, workflow.IN_REVIEW, workflow.MORE_INFO, note=question)
    driver.get(live_server("/account"))
    follow(driver, f"main a[href='/track/case/{reference}']")
    assert question in main_text(driver)
    fill_text(driver, "answer", "Aquí está el contrato firmado.")
    driver.find_element(By.ID, "file").send_keys(str(files["jpeg"]))
    submit(driver)  # Send your answer
    wait_for_path(driver, f"/track/case/{reference}")
    page = main_text(driver)
    thanks = "Thank you. We have your answer and will look at your request again."
    assert translate(app, LOCALE, thanks) in page
    assert "Aquí está el contrato firmado." in page and files["jpeg"].name in page
    assert not driver.find_elements(By.ID, "answer-heading")  # nothing more is asked now

    # Approved: the decision is on the request's page.
    decision = "Pagaremos dos meses de alquiler a su arrendador."
    move_case(app, reference, workflow.APPROVED, note=decision)
    driver.get(live_server(f"/track/case/{reference}"))
    assert_spanish(driver)
    status = driver.find_element(By.ID, "status-heading").text
    assert translate(app, LOCALE, "Approved") in status, status
    assert decision in main_text(driver)


def withdraw(driver, server, private_link: str, reason: str) -> str:
    driver.get(server(private_link, lang=LOCALE))
    reference = driver.find_element(By.CSS_SELECTOR, "h1 .portal-reference__number").text.strip()
    follow(driver, "main a[href$='/withdraw']")
    assert_spanish(driver)
    app = server.app
    sure = translate(app, LOCALE, "Are you sure you want to withdraw your request?")
    assert h1_text(driver) == sure
    fill_text(driver, "reason", reason)
    submit(driver)  # Withdraw my request
    wait_for_path(driver, f"/track/case/{reference}")
    page = main_text(driver)
    withdrawn = "Your request is withdrawn. We will not work on it any more."
    assert translate(app, LOCALE, withdrawn) in page
    assert translate(app, LOCALE, "Withdrawn") in driver.find_element(By.ID, "status-heading").text
    assert reason in page
    assert not driver.find_elements(By.CSS_SELECTOR, "main a[href$='/withdraw']")
    # An old tab tries again: nothing changes, and the page says so.
    driver.get(server(f"/track/case/{reference}/withdraw"))
    assert h1_text(driver) == translate(app, LOCALE, "This cannot be done now")
    return reference


def test_a_permit_application_and_a_problem_report_are_withdrawn(
    nojs_browser, live_server, tmp_path
):
    driver, app = nojs_browser, live_server.app
    catalog = app.extensions["catalog"]
    files = sample_files(tmp_path)
    for code, reason in (("tree-removal", "El árbol ya lo quitó el vecino."),
                         ("pothole", "Ya lo arreglaron.")):
        http = Http(live_server, LOCALE)
        page = send_via_http(http, catalog.service(code), files)
        reference = withdraw(driver, live_server, private_link_in(page), reason)
        assert reference == reference_in(page)
        assert path_of(driver).endswith("/withdraw")
