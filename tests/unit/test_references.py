from portal.cases.references import ALPHABET, new_reference, normalise


def test_references_are_readable_and_unique():
    refs = {new_reference() for _ in range(5000)}
    assert len(refs) == 5000
    for ref in list(refs)[:200]:
        assert len(ref) == 11 and ref[3] == "-" and ref[7] == "-"
        assert set(ref.replace("-", "")) <= set(ALPHABET)
        assert not set(ref) & set("0O1IL2Z5S8B6G")


def test_typed_references_are_normalised_and_checked():
    ref = new_reference()
    assert normalise(ref) == ref
    assert normalise(ref.lower().replace("-", " ")) == ref
    assert normalise(f"  {ref.replace('-', '')}  ") == ref
    # One changed character is caught by the check character.
    body = ref.replace("-", "")
    wrong = ALPHABET[(ALPHABET.index(body[2]) + 1) % len(ALPHABET)]
    assert normalise(body[:2] + wrong + body[3:]) is None
    for bad in ["", "ABC", "O" * 9, ref + "X", "<script>", "ÄÄÄ-ÄÄÄ-ÄÄÄ"]:
        assert normalise(bad) is None


def test_next_reference_is_not_derivable():
    a, b = new_reference(), new_reference()
    # Consecutive references share no structure beyond chance.
    same = sum(x == y for x, y in zip(a.replace("-", ""), b.replace("-", "")))
    assert same < 6
