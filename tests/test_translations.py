"""The catalogues (DESIGN.md §13): every translatable string of the code has a non-empty, non-fuzzy zh-hans
translation, both catalogues list exactly the strings of the code, and key strings read in Chinese under
zh-hans and in English under en.

The strings of the code are extracted the way `make messages` extracts them (Django's makemessages), but in
a copy of the project in a temporary folder, with line numbers, so that the repository's catalogues are
never rewritten by a test and a missing string is reported with its file and line.
"""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import translation

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "{}" / "LC_MESSAGES" / "django.po"
ZH, EN = "zh_Hans", "en"
IN_CI = os.environ.get("CI", "").lower() == "true"
# What `make messages` leaves out (the Makefile's MESSAGES_ARGS), and what the copy need not hold at all.
IGNORED = ["--ignore=.venv", "--ignore=var", "--ignore=tests", "--ignore=node_modules"]
NOT_COPIED = shutil.ignore_patterns(
    ".git", ".venv", "var", "node_modules", "__pycache__", "*.mo", ".*_cache", ".hypothesis", "*.egg-info"
)
PLACEHOLDER = re.compile(r"%\((\w+)\)[sdr]|%[sdr]")

Key = tuple[str | None, str]


def key_of(entry: polib.POEntry) -> Key:
    return (entry.msgctxt, entry.msgid)


def label(key: Key) -> str:
    context, msgid = key
    return f"[{context}] {msgid!r}" if context else repr(msgid)


def catalogue(language: str) -> polib.POFile:
    return polib.pofile(str(CATALOGUE.as_posix().format(language)))


def translated(entry: polib.POEntry) -> bool:
    if entry.msgid_plural:
        return bool(entry.msgstr_plural) and all(entry.msgstr_plural.values())
    return bool(entry.msgstr)


def extract(project: Path, committed: Path) -> polib.POFile:
    """makemessages for zh_Hans over a copy of `project`, merged into a copy of the `committed` catalogue."""
    for tool in ("xgettext", "msgmerge"):
        if shutil.which(tool) is None:
            message = f"GNU gettext's {tool} is not installed (apt-get install gettext)"
            if IN_CI:
                pytest.fail(message)
            pytest.skip(message)
    copy = committed / "project"
    shutil.copytree(project, copy, ignore=NOT_COPIED)
    target = copy / "locale" / ZH / "LC_MESSAGES" / "django.po"
    target.parent.mkdir(parents=True, exist_ok=True)
    if (project / "locale" / ZH / "LC_MESSAGES" / "django.po").exists():
        shutil.copyfile(project / "locale" / ZH / "LC_MESSAGES" / "django.po", target)
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings.test",
        "TECHFIN_VAR_DIR": str(committed / "var"),
        "PYTHONPATH": str(copy),
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", ZH, *IGNORED, "--add-location=full"],
        cwd=copy,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return polib.pofile(str(target))


@pytest.fixture(scope="module")
def in_code(tmp_path_factory) -> polib.POFile:
    """The zh_Hans catalogue as `make messages` would leave it now: the code's strings, file:line each."""
    return extract(ROOT, tmp_path_factory.mktemp("messages"))


def where(entry: polib.POEntry) -> str:
    return ", ".join(f"{path}:{line}" if line else path for path, line in entry.occurrences) or "?"


def test_every_string_of_the_code_has_a_zh_hans_translation(in_code):
    """Given the strings extracted from the code now, when each is looked up in the committed zh_Hans
    catalogue, then it is there, translated and not fuzzy; the failure lists each miss with file:line."""
    committed = {key_of(e): e for e in catalogue(ZH) if not e.obsolete}
    problems = []
    for entry in in_code:
        if entry.obsolete:
            continue
        mine = committed.get(key_of(entry))
        if mine is None:
            problems.append(f"{where(entry)}: {label(key_of(entry))} is not in the catalogue (make messages)")
        elif not translated(mine):
            problems.append(f"{where(entry)}: {label(key_of(entry))} has no translation")
        elif "fuzzy" in mine.flags:
            problems.append(f"{where(entry)}: {label(key_of(entry))} is marked fuzzy")
        elif "fuzzy" in entry.flags or not translated(entry):
            problems.append(f"{where(entry)}: {label(key_of(entry))} comes out untranslated or fuzzy")
    assert not problems, (
        f"{len(problems)} zh-hans entries missing, empty or fuzzy in locale/{ZH}/LC_MESSAGES/django.po "
        "(README.md, Languages):\n" + "\n".join(sorted(problems))
    )


def test_the_catalogues_hold_no_string_the_code_has_dropped(in_code):
    """Given the code's strings, then neither catalogue keeps entries the code no longer has (make messages
    drops them), and the en catalogue lists every string of the code."""
    code = {key_of(e) for e in in_code if not e.obsolete}
    for language in (ZH, EN):
        listed = {key_of(e) for e in catalogue(language) if not e.obsolete}
        stale = sorted(listed - code, key=str)
        absent = sorted(code - listed, key=str)
        assert not stale, f"{language}: entries no longer in the code (run make messages): " + "; ".join(
            label(k) for k in stale
        )
        assert not absent, f"{language}: strings of the code missing (run make messages): " + "; ".join(
            label(k) for k in absent
        )


# makemessages finds a marked string only through these names (or `_`); imported as anything else, a string
# is never extracted, and reads in English under zh-hans (a 409's "Use `resubmit` instead." did).
MARKERS = (
    "gettext|gettext_lazy|gettext_noop|ngettext|ngettext_lazy|pgettext|pgettext_lazy|npgettext|npgettext_lazy"
)
RENAMED_MARKER = re.compile(rf"\b({MARKERS})\s+as\s+(?!_\b)(\w+)")


def test_no_translation_function_is_imported_under_a_name_makemessages_does_not_read():
    """Given the project's Python code (the tests aside), then gettext and its kin are imported under their
    own names or as `_`, the names makemessages extracts strings from."""
    renamed = [
        f"{path.relative_to(ROOT)}: {found.group(1)} as {found.group(2)}"
        for folder in ("config", "coordination", "projects", "lenders", "bench")
        for path in sorted((ROOT / folder).rglob("*.py"))
        for found in RENAMED_MARKER.finditer(path.read_text(encoding="utf-8"))
    ]
    assert not renamed, "strings marked through these names are never extracted:\n" + "\n".join(renamed)


def test_the_zh_hans_catalogue_is_complete_and_its_placeholders_match():
    """Given the committed zh_Hans catalogue, then no entry is empty or fuzzy, the header is not fuzzy, and
    each translation keeps exactly the placeholders of its msgid, or of its plural msgid for a plural (a
    translation may reorder them)."""
    po = catalogue(ZH)
    assert not po.metadata_is_fuzzy
    assert po.metadata["Language"] == ZH and "charset=UTF-8" in po.metadata["Content-Type"]
    problems = []
    for entry in po:
        if entry.obsolete:
            continue
        if not translated(entry) or "fuzzy" in entry.flags:
            problems.append(f"{label(key_of(entry))}: empty or fuzzy")
            continue
        translations = entry.msgstr_plural.values() if entry.msgid_plural else [entry.msgstr]
        # Chinese has one plural form, used for every count: it follows the plural msgid, whose placeholders
        # may go beyond the singular's ("the one other institution" against "%(peers)s other institutions").
        source = entry.msgid_plural or entry.msgid
        for text in translations:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                problems.append(f"{label(key_of(entry))}: placeholders differ in {text!r}")
    assert not problems, "\n".join(problems)
    assert len(po) > 500  # the whole product, not a sample


def test_the_en_catalogue_is_english_source_and_not_fuzzy():
    """Given the committed en catalogue, then its msgids are the English text: no entry is fuzzy and any
    translation given keeps the placeholders (an empty msgstr shows the msgid itself)."""
    po = catalogue(EN)
    assert not po.metadata_is_fuzzy and po.metadata["Language"] == EN
    assert not [e.msgid for e in po if "fuzzy" in e.flags and not e.obsolete]
    assert {key_of(e) for e in po} == {key_of(e) for e in catalogue(ZH)}


def test_a_missing_translation_is_reported_with_its_file_and_line(tmp_path):
    """Given a copy of the project where a module gains a new translatable string, when its strings are
    extracted, then the new msgid comes out untranslated (not silently matched), named with file and line."""
    project = tmp_path / "source"
    shutil.copytree(ROOT, project, ignore=NOT_COPIED)
    (project / "coordination" / "i18n_probe.py").write_text(
        "from django.utils.translation import gettext_lazy as _\n\nPROBE = _('A probe string for the test')\n"
    )
    extracted = extract(project, tmp_path / "work")
    probe = extracted.find("A probe string for the test")
    assert probe is not None and not translated(probe)
    assert where(probe) == "coordination/i18n_probe.py:3"


# --- the catalogues at work: zh-hans by default, English on request ----------------------------------------


@pytest.mark.parametrize(
    ("language", "verbose_name", "status", "instrument"),
    [
        ("zh-hans", "融资需求", "待补充材料", "知识产权质押贷款"),
        ("en", "financing request", "Information requested", "IP pledge loan"),
    ],
)
def test_model_names_and_choices_read_in_the_active_language(language, verbose_name, status, instrument):
    from coordination.choices import RequestStatus
    from coordination.models import FinancingRequest
    from lenders.choices import Instrument

    with translation.override(language):
        assert str(FinancingRequest._meta.verbose_name) == verbose_name
        assert str(RequestStatus.INFO_REQUESTED.label) == status
        assert str(Instrument.IP_PLEDGE_LOAN.label) == instrument


def test_the_products_default_language_is_simplified_chinese(client, settings):
    """Given the product's settings (the suite's own read English), when a page is asked for without an
    Accept-Language header, then it answers in Chinese; with `Accept-Language: en`, in English."""
    from config.settings import base

    assert base.LANGUAGE_CODE == "zh-hans"
    assert [code for code, _name in base.LANGUAGES] == ["zh-hans", "en"]
    settings.LANGUAGE_CODE = base.LANGUAGE_CODE
    page = client.get("/admin/login/")
    assert page.status_code == 200 and page.headers["Content-Language"] == "zh-hans"
    english = client.get("/admin/login/", headers={"Accept-Language": "en"})
    assert english.headers["Content-Language"] == "en"
    with translation.override(base.LANGUAGE_CODE):
        assert translation.gettext("Not found.") == "未找到。"


@pytest.mark.parametrize(
    ("language", "title", "status_line"),
    [
        ("zh-hans", "融资需求 TF-2025-000001：材料不全", "状态：初审 → 待补充材料"),
        ("en", "Request TF-2025-000001: information missing", "Status: Screening → Information requested"),
    ],
)
def test_a_notification_reads_in_words_in_the_readers_language(language, title, status_line):
    """Given a status change, when it is written for a reader, then the title and the status line are in
    the reader's language and name the statuses by their labels, not their codes; the due time is local."""
    from coordination.notifications.messages import body_for, title_for

    payload = {
        "reference": "TF-2025-000001",
        "object_type": "financing_request",
        "from_status": "screening",
        "to_status": "info_requested",
        "due_at": "2025-03-04T09:30:00+00:00",
    }
    assert title_for("financing_request.screen_fail", language, payload) == title
    body = body_for("financing_request.screen_fail", language, payload)
    assert body.splitlines()[0] == status_line
    assert "info_requested" not in body and "screening" not in body
    assert "2025-03-04 17:30" in body  # 09:30 UTC is 17:30 in Asia/Shanghai


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("zh-hans", "无法执行“驳回”：该融资需求当前状态为“草稿”。"),
        ("en", "Cannot reject: the financing request is “draft”."),
    ],
)
@pytest.mark.django_db
def test_a_workflow_error_reads_in_the_callers_language(world, language, words):
    from coordination.errors import Conflict
    from coordination.workflow import engine
    from tests.factories import draft_request

    request = draft_request(user=world.applicant_a, enterprise=world.enterprise_a)
    with translation.override(language), pytest.raises(Conflict) as raised:
        engine.check(request, "reject", world.coordinator, reason="no")
    assert str(raised.value.message) == words


@pytest.mark.parametrize(
    ("language", "words"), [("zh-hans", "300万元（3,000,000元）"), ("en", "3,000,000 yuan (300万元)")]
)
def test_money_in_match_explanations_reads_in_the_active_language(language, words):
    from decimal import Decimal

    from coordination.matching.scoring import yuan

    with translation.override(language):
        assert yuan(Decimal("3000000")) == words


@pytest.mark.parametrize(
    ("language", "reason"),
    [("zh-hans", "校验码应为“{}”，实际为“{}”"), ("en", "check character should be '{}', got '{}'")],
)
def test_a_credit_code_refusal_gives_its_reason_in_the_active_language(language, reason):
    from projects.domain.credit_code import make_credit_code
    from projects.validators import validate_credit_code

    good = make_credit_code("91310000MA1FL0000")
    wrong = good[:-1] + ("0" if good[-1] != "0" else "1")
    with translation.override(language), pytest.raises(ValidationError) as raised:
        validate_credit_code(wrong)
    assert reason.format(good[-1], wrong[-1]) in raised.value.messages[0]


@pytest.mark.parametrize(
    ("language", "greeting", "footer"),
    [
        ("zh-hans", "，您好：", "您收到此邮件是因为您参与了上述融资事项。"),
        ("en", "Hello ", "You receive this because of your role on these requests."),
    ],
)
@pytest.mark.django_db
def test_an_e_mail_is_written_in_the_users_language(world, language, greeting, footer):
    from coordination.models import NotificationSetting
    from coordination.notifications.channels import render_email

    NotificationSetting.objects.update_or_create(user=world.applicant_a, defaults={"language": language})
    world.applicant_a.refresh_from_db()
    payload = {"topic": "offer.make", "reference": "TF-2025-000002", "object_type": "offer"}
    email = render_email(world.applicant_a, [payload, {**payload, "topic": "offer.expire"}])
    assert greeting in email.body and footer in email.body
    html = email.alternatives[0][0]
    assert f'lang="{language}"' in html and footer in html
    subject = {"zh-hans": "科技金融协调服务：2 条更新", "en": "TechFin Coordination: 2 updates"}[language]
    assert email.subject == subject
