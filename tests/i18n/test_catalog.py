"""The Spanish catalogue is complete and up to date with the code (CI fails otherwise): every
marked string is in it, translated, not fuzzy, with the same placeholders; nothing obsolete."""

from .catalog import extracted, key, spanish


def where(message) -> str:
    return ", ".join(f"{path}:{line}" for path, line in message.locations[:2])


def test_every_marked_string_is_in_the_spanish_catalogue():
    po = {key(m) for m in spanish() if m.id}
    missing = [f"{m.id!r} ({where(m)})" for m in extracted() if m.id and key(m) not in po]
    assert not missing, (
        f"{len(missing)} marked string(s) are not in the catalogue; run `make messages` and "
        "translate them:\n" + "\n".join(missing)
    )


def test_the_catalogue_holds_no_string_the_code_no_longer_marks():
    code = {key(m) for m in extracted() if m.id}
    obsolete = [repr(m.id) for m in spanish() if m.id and key(m) not in code]
    assert not obsolete, (
        f"{len(obsolete)} catalogue entries are no longer in the code; run `make messages`:\n"
        + "\n".join(obsolete)
    )


def test_every_string_has_a_spanish_translation_that_is_not_fuzzy():
    untranslated, fuzzy = [], []
    for message in spanish():
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if not all(strings):
            untranslated.append(repr(message.id))
        if message.fuzzy:
            fuzzy.append(repr(message.id))
    assert not untranslated, f"{len(untranslated)} untranslated:\n" + "\n".join(untranslated)
    assert not fuzzy, f"{len(fuzzy)} fuzzy (check, then remove the flag):\n" + "\n".join(fuzzy)


def test_translations_keep_the_placeholders():
    catalog = spanish()
    problems = [
        f"{message.id!r}: {'; '.join(str(e) for e in errors)}"
        for message, errors in catalog.check()
    ]
    assert not problems, "\n".join(problems)
