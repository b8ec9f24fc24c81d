import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_visitor_browses_filters_and_opens_a_course(site, page):
    page.goto(site.url + "/")
    assert "Northlight Coaching" in page.title()
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Courses").click()
    page.wait_for_url(f"{site.url}/courses/")
    assert page.get_by_role("heading", name="All courses").is_visible()
    all_courses = page.locator(".course-card").count()
    assert all_courses >= 8

    page.get_by_label("Format").select_option(label="Certification programme")
    page.get_by_role("button", name="Show courses").click()
    page.wait_for_url("**/courses/?*format=certification*")
    filtered = page.locator(".course-card")
    assert 0 < filtered.count() < all_courses
    assert page.get_by_role("heading", name="2 matching courses").is_visible()

    page.get_by_role("link", name="Certificate in Coaching Competence", exact=True).click()
    page.wait_for_url(f"{site.url}/courses/certificate-in-coaching-competence/")
    assert page.get_by_role("heading", level=1).inner_text() == "Certificate in Coaching Competence"
    assert "£5,000" in page.locator(".price").inner_text()
    assert page.get_by_role("heading", name="Session 2: The self-aware coach").is_visible()


def test_filters_work_with_the_keyboard_and_without_javascript(site, browser):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(site.url + "/courses/")
    page.get_by_label("Who it is for").focus()
    page.keyboard.press("ArrowDown")  # a native select: the keyboard picks a value
    page.get_by_label("Who it is for").select_option("whole-staff")
    page.get_by_role("button", name="Show courses").press("Enter")
    page.wait_for_url("**/courses/?audience=whole-staff*")
    titles = page.locator(".course-card .card-title").all_inner_texts()
    assert titles == ["Coaching Towards Outstanding Teaching and Learning"]
    # Without JavaScript the menu is open, so every link is reachable.
    assert (
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Journal").is_visible()
    )
    context.close()


def test_skip_link_is_the_first_thing_the_keyboard_reaches(site, page):
    page.goto(site.url + "/journal/")
    page.keyboard.press("Tab")
    focused = page.evaluate("document.activeElement.textContent.trim()")
    assert focused == "Skip to main content"
    page.keyboard.press("Enter")
    assert page.evaluate("document.activeElement.id") == "main"
