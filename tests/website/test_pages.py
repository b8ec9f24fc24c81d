"""Every page type: routing, rendering, and where it may be created."""

from wagtail.models import Page
from wagtail.test.utils import WagtailPageTestCase

from courses.models import CourseIndexPage, CoursePage
from website.models import (
    FormPage,
    HomePage,
    JournalIndexPage,
    JournalPage,
    StandardPage,
)


class PageTypeTests(WagtailPageTestCase):
    def test_every_page_type_is_routable_and_renders(self):
        for model in (
            HomePage,
            StandardPage,
            CourseIndexPage,
            CoursePage,
            JournalIndexPage,
            JournalPage,
            FormPage,
        ):
            with self.subTest(model=model.__name__):
                page = model.objects.live().first()
                self.assertIsNotNone(page, f"the demo seed has no live {model.__name__}")
                self.assertPageIsRoutable(page)
                self.assertPageIsRenderable(page)

    def test_home_page_sits_at_the_root_only(self):
        self.assertAllowedParentPageTypes(HomePage, {Page})
        self.assertAllowedSubpageTypes(
            HomePage, {StandardPage, JournalIndexPage, FormPage, CourseIndexPage}
        )
        # There is already one; a second may not be made.
        self.assertFalse(HomePage.can_create_at(Page.get_first_root_node()))

    def test_standard_pages_nest_under_home_and_each_other(self):
        self.assertAllowedParentPageTypes(StandardPage, {HomePage, StandardPage})
        self.assertAllowedSubpageTypes(StandardPage, {StandardPage})
        self.assertCanCreateAt(HomePage, StandardPage)
        self.assertCanCreateAt(StandardPage, StandardPage)

    def test_catalogue_holds_course_pages_only(self):
        self.assertAllowedParentPageTypes(CourseIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(CourseIndexPage, {CoursePage})
        self.assertAllowedParentPageTypes(CoursePage, {CourseIndexPage})
        self.assertAllowedSubpageTypes(CoursePage, set())
        self.assertCanCreateAt(CourseIndexPage, CoursePage)
        self.assertCanNotCreateAt(HomePage, CoursePage)
        self.assertFalse(CourseIndexPage.can_create_at(HomePage.objects.get()))  # one only

    def test_journal_holds_posts_only(self):
        self.assertAllowedParentPageTypes(JournalIndexPage, {HomePage})
        self.assertAllowedSubpageTypes(JournalIndexPage, {JournalPage})
        self.assertAllowedParentPageTypes(JournalPage, {JournalIndexPage})
        self.assertAllowedSubpageTypes(JournalPage, set())
        self.assertCanNotCreateAt(HomePage, JournalPage)
        self.assertFalse(JournalIndexPage.can_create_at(HomePage.objects.get()))  # one only

    def test_form_page_sits_under_home(self):
        self.assertAllowedParentPageTypes(FormPage, {HomePage})
        self.assertAllowedSubpageTypes(FormPage, set())
        self.assertCanCreateAt(HomePage, FormPage)

    def test_guessable_addresses(self):
        for url in ("/", "/courses/", "/journal/", "/search/", "/enquire/", "/about/"):
            with self.subTest(url=url):
                self.assertEqual(self.client.get(url).status_code, 200)
        self.assertEqual(
            self.client.get("/courses/certificate-in-coaching-competence/").status_code, 200
        )
        self.assertEqual(self.client.get("/journal/fifteen-minutes-a-week/").status_code, 200)
        self.assertRedirects(
            self.client.get("/admin/"), "/admin/login/?next=/admin/", fetch_redirect_response=False
        )

    def test_unknown_address_gets_the_friendly_404(self):
        response = self.client.get("/no-such-page/")
        self.assertEqual(response.status_code, 404)
        self.assertContains(response, "We cannot find that page", status_code=404)
        self.assertContains(response, 'href="/search/"', status_code=404)
