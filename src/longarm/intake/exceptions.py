class ReceiptRefused(Exception):
    """The receipt opened no report (or attempts are exhausted). Deliberately says nothing more."""


class TooManyAttempts(ReceiptRefused):
    """Too many wrong receipts in this browser session; try again later."""


class ReportShredded(Exception):
    """The receipt was right, but its report has been crypto-shredded under the retention policy."""


class TooManyMessages(Exception):
    """The reporter has written as many messages today as one report may receive in a day."""


class AlreadySubmitted(Exception):
    """A report with this receipt is already stored: the same submission sent again (a reload after the
    connection broke, a process killed after the commit but before the answer reached the browser)."""
