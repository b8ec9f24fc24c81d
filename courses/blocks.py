"""The structure of a programme: what happens before, in and between sessions, term by term."""

from wagtail import blocks

TERM_CHOICES = [("autumn", "Autumn term"), ("spring", "Spring term"), ("summer", "Summer term")]


class PreCourseBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default="Before the course", max_length=120)
    description = blocks.TextBlock(required=False)
    activities = blocks.ListBlock(blocks.CharBlock(max_length=200), min_num=1)

    class Meta:
        icon = "history"
        label = "Pre-course activity"
        template = "blocks/programme/pre_course_block.html"


class SessionBlock(blocks.StructBlock):
    title = blocks.CharBlock(max_length=120, help_text="e.g. 'Fundamentals'.")
    term = blocks.ChoiceBlock(choices=TERM_CHOICES, required=False)
    length = blocks.CharBlock(required=False, max_length=60, help_text="e.g. 'Full day'.")
    summary = blocks.TextBlock(required=False)
    topics = blocks.ListBlock(blocks.CharBlock(max_length=200), min_num=1)

    class Meta:
        icon = "date"
        label = "Session"
        template = "blocks/programme/session_block.html"


class BetweenSessionsBlock(blocks.StructBlock):
    heading = blocks.CharBlock(default="Between sessions", max_length=120)
    tasks = blocks.ListBlock(blocks.CharBlock(max_length=200), min_num=1)

    class Meta:
        icon = "tasks"
        label = "Between-session tasks"
        template = "blocks/programme/between_sessions_block.html"


class TermBlock(blocks.StructBlock):
    term = blocks.ChoiceBlock(choices=TERM_CHOICES)
    summary = blocks.TextBlock(required=False, help_text="What happens this term, in brief.")

    class Meta:
        icon = "calendar-alt"
        label = "Term"
        template = "blocks/programme/term_block.html"


class ProgrammeBlock(blocks.StreamBlock):
    pre_course = PreCourseBlock()
    term = TermBlock()
    session = SessionBlock()
    between_sessions = BetweenSessionsBlock()
