"""The facilitator's console (issue 07): periods, figures, retention, broadcasts, exports and charts.

The logic lives here, in the core, so the CLI and jobs can use it; handlers/facilitator only parses commands
and words the answers.
"""
