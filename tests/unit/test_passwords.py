import pytest

from portal.accounts import passwords


@pytest.mark.parametrize("password, problem", [
    ("short", "too_short"),
    ("elevenchars", "too_short"),
    ("x" * 257, "too_long"),
    ("passwordpassword", "common"),
    ("password1234", "common"),
    ("qwertyuiop123", "common"),
    ("aaaaaaaaaaaaaaaa", "common"),
    ("123456789012", "common"),
    ("ana.diaz@example.com1", "common"),
])
def test_weak_passwords_are_refused(password, problem):
    assert passwords.problem(password, context=("ana.diaz@example.com",)) == problem


@pytest.mark.parametrize("password", [
    "correct horse battery staple",
    "lámpara azul bajo la lluvia",
    "قطة زرقاء تقرأ الجريدة",
    "x" * 30 + "Tq9!" + "y" * 30,  # 64 characters, pasted from a manager
])
def test_long_phrases_in_any_language_are_fine(password):
    assert passwords.problem(password) is None


def test_hash_and_verify():
    hashed = passwords.hash_password("correct horse battery staple")
    assert hashed.startswith("$argon2id$")
    assert passwords.verify(hashed, "correct horse battery staple")
    assert not passwords.verify(hashed, "correct horse battery stapler")
    assert not passwords.verify(None, "correct horse battery staple")
    # Unicode that looks the same is the same password.
    assert passwords.verify(passwords.hash_password("ﬁne cafe\u0301 au lait"), "fine café au lait")
