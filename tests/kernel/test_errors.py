from guanxi.kernel.errors import ALL_ERRORS, LANGUAGES, MESSAGES


def test_every_error_code_has_a_message_in_every_language() -> None:
    for error in ALL_ERRORS:
        assert error.code in MESSAGES, error
    for code, messages in MESSAGES.items():
        for language in LANGUAGES:
            assert messages.get(language), f"{code} lacks {language}"
