"""Sentences one after the other, as the active language writes them: Chinese runs its sentences on after
the full stop "。", English leaves a space."""

from django.utils.translation import gettext


def one_after_the_other(first: str, *then: str) -> str:
    joined = first
    for sentence in then:
        # Translators: two whole sentences in a row; zh-hans writes them without a space between.
        joined = gettext("%(first)s %(then)s") % {"first": joined, "then": sentence}
    return joined
