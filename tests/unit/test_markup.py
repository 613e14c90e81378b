from bot.markup import neutralise_mentions, to_discord, to_plain, to_slack, to_telegram_html, user_text


def test_renderers_translate_neutral_markup() -> None:
    text = "*Bonjour* _vous_ `aide` [site](https://example.org) @[U42]"
    assert to_slack(text) == "*Bonjour* _vous_ `aide` <https://example.org|site> <@U42>"
    assert to_discord(text) == "**Bonjour** *vous* `aide` [site](https://example.org) <@U42>"
    assert to_telegram_html(text) == (
        '<b>Bonjour</b> <i>vous</i> <code>aide</code> <a href="https://example.org">site</a> '
        '<a href="tg://user?id=U42">U42</a>'
    )
    assert to_plain(text) == "Bonjour vous aide site (https://example.org) @U42"


def test_mass_mentions_never_survive_rendering() -> None:
    hostile = "@everyone @here <!channel> <!here|here> <!everyone> <@&1234> @Channel"
    for render in (to_plain, to_slack, to_discord, to_telegram_html):
        out = render(hostile)
        assert "@everyone" not in out and "@here" not in out
        assert "<!channel>" not in out and "<!everyone>" not in out and "<@&1234>" not in out
        assert "@Channel" not in out
    assert "everyone" in neutralise_mentions("@everyone")


def test_user_text_cannot_inject_markup_or_mentions() -> None:
    sneaky = user_text("*gras* [lien](https://evil.example) @[U1] @everyone <b>x</b>")
    html = to_telegram_html(f"Vous avez écrit : {sneaky}")
    assert "<b>gras</b>" not in html and "<a href" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    assert "@everyone" not in html
    assert "<@U1>" not in to_slack(sneaky)
    assert to_plain(sneaky) == "*gras* [lien](https://evil.example) @[U1] @\u200beveryone <b>x</b>"


def test_slack_escapes_angle_brackets_from_text() -> None:
    assert to_slack("a <https://x|y> & b") == "a &lt;https://x|y&gt; &amp; b"
