"""The Slack adapter (slack-bolt, async): HTTP events on /slack/events, or Socket Mode with SLACK_APP_TOKEN.

Named slack_app, not slack, so that it can never shadow an SDK package. See docs/slack.md to set up the app.
"""

from adapters.slack_app.adapter import SlackAdapter

__all__ = ["SlackAdapter"]
