"""Two sentences in a row read as each language writes them."""

import pytest
from django.utils import translation

from projects.sentences import one_after_the_other


@pytest.mark.parametrize(
    ("language", "first", "then", "expected"),
    [
        ("zh-hans", "没有产品覆盖该分期。", "共有 12 个产品。", "没有产品覆盖该分期。共有 12 个产品。"),
        (
            "en",
            "No product covers the tranche.",
            "Of 12 products…",
            "No product covers the tranche. Of 12 products…",
        ),
    ],
)
def test_given_two_sentences_when_run_on_then_only_english_puts_a_space_between(
    language, first, then, expected
):
    with translation.override(language):
        assert one_after_the_other(first, then) == expected


def test_given_three_sentences_when_run_on_then_each_follows_the_last():
    with translation.override("zh-hans"):
        assert one_after_the_other("甲。", "乙。", "丙。") == "甲。乙。丙。"
    with translation.override("en"):
        assert one_after_the_other("A.", "B.", "C.") == "A. B. C."
