import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from projects.domain.credit_code import (
    ALPHABET,
    WEIGHTS,
    check_credit_code,
    compute_check_character,
    make_credit_code,
    normalise_credit_code,
)

KNOWN_VALID = ("91110000600037341L", "914403001922038216")

bodies = st.text(alphabet=ALPHABET, min_size=17, max_size=17)


def test_weights_are_powers_of_three_mod_31():
    assert tuple(pow(3, i, 31) for i in range(17)) == WEIGHTS


def test_alphabet_excludes_the_confusable_letters():
    assert len(ALPHABET) == 31
    assert not set("IOSVZ") & set(ALPHABET)


@pytest.mark.parametrize("code", KNOWN_VALID)
def test_given_a_published_code_when_checked_then_it_is_valid(code):
    result = check_credit_code(code)

    assert result.valid
    assert result.normalised == code
    assert result.reason is None


@pytest.mark.parametrize(
    "raw, normalised",
    [
        ("91110000600037341l", "91110000600037341L"),
        ("  914403001922038216\n", "914403001922038216"),
        ("9111 0000 6000 3734 1L", "91110000600037341L"),
        (" 9144 0300 1922 0382 16 ", "914403001922038216"),
    ],
)
def test_given_lower_case_or_spaced_input_when_checked_then_it_is_normalised_and_valid(raw, normalised):
    result = check_credit_code(raw)

    assert result.valid
    assert result.normalised == normalised
    assert normalise_credit_code(raw) == normalised


def test_given_wrong_check_character_when_checked_then_reason_names_expected_character():
    result = check_credit_code("91110000600037341X")

    assert not result.valid
    assert result.reason == "check character should be 'L', got 'X'"


@pytest.mark.parametrize("letter", list("IOSVZ"))
def test_given_a_forbidden_letter_when_checked_then_reason_explains_it_is_never_used(letter):
    code = "9111" + letter + "000600037341L"

    result = check_credit_code(code)

    assert not result.valid
    assert result.reason == (
        f"character '{letter}' at position 5 is not allowed (I, O, S, V and Z are never used)"
    )


def test_given_a_lower_case_forbidden_letter_when_checked_then_it_is_reported_upper_cased():
    assert check_credit_code("9111o000600037341L").reason == (
        "character 'O' at position 5 is not allowed (I, O, S, V and Z are never used)"
    )


def test_given_a_punctuation_character_when_checked_then_reason_gives_its_position():
    result = check_credit_code("91#10000600037341L")

    assert not result.valid
    assert result.reason == "character '#' at position 3 is not allowed"


@pytest.mark.parametrize(
    "raw, reason",
    [
        ("91110000600037341", "must be 18 characters, got 17"),
        ("91110000600037341L0", "must be 18 characters, got 19"),
        ("", "is empty"),
        ("   ", "is empty"),
    ],
)
def test_given_wrong_length_when_checked_then_reason_states_the_length(raw, reason):
    result = check_credit_code(raw)

    assert not result.valid
    assert result.reason == reason


@pytest.mark.parametrize("raw", [None, 914403001922038216, b"914403001922038216"])
def test_given_a_non_string_when_checked_then_it_is_invalid(raw):
    result = check_credit_code(raw)

    assert not result.valid
    assert result.reason.startswith("must be a string")


def test_given_a_registration_authority_letter_in_position_one_when_checked_then_it_is_allowed():
    code = make_credit_code("Y1110000600037341")

    assert check_credit_code(code).valid


def test_given_a_published_body_when_computing_then_the_published_check_character_comes_back():
    assert compute_check_character("91110000600037341") == "L"
    assert compute_check_character("91440300192203821") == "6"


@pytest.mark.parametrize(
    "body, expected",
    [
        # A weighted sum of 0 mod 31 must wrap to '0', not index 31.
        ("00000000000000000", "0"),
        # A sum of 1 gives 30, the last alphabet character.
        ("10000000000000000", "Y"),
        # A sum of 30 gives 1.
        ("Y0000000000000000", "1"),
    ],
)
def test_given_a_weighted_sum_at_the_modulus_edges_when_computing_then_the_check_character_wraps(
    body, expected
):
    assert compute_check_character(body) == expected


@pytest.mark.parametrize(
    "body, message",
    [
        ("9111000060003734", "body must be 17 characters, got 16"),
        ("911100006000373411", "body must be 17 characters, got 18"),
        ("9111I000600037341", "character 'I' at position 5 is not allowed"),
        ("91#10000600037341", "character '#' at position 3 is not allowed"),
    ],
)
def test_given_a_bad_body_when_making_a_code_then_value_error(body, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        make_credit_code(body)


def test_given_a_lower_case_body_when_making_a_code_then_it_is_normalised():
    assert make_credit_code("9111 0000 6000 3734 1") == "91110000600037341L"


@given(body=bodies)
def test_given_any_valid_body_when_made_into_a_code_then_it_checks_valid(body):
    code = make_credit_code(body)

    assert len(code) == 18
    assert check_credit_code(code).valid


@given(body=bodies, position=st.integers(min_value=0, max_value=17), data=st.data())
def test_given_any_single_substitution_when_checked_then_it_is_detected(body, position, data):
    # 31 is prime and no weight is 0 mod 31, so changing one value always changes the sum mod 31.
    code = make_credit_code(body)
    replacement = data.draw(st.sampled_from([c for c in ALPHABET if c != code[position]]))
    tampered = code[:position] + replacement + code[position + 1 :]

    result = check_credit_code(tampered)

    assert not result.valid
    assert result.reason.startswith("check character should be")
