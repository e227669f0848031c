"""Date formats: ISO 8601 (2026-12-06, 2026-12-06 14:05) in every language (FORMAT_MODULE_PATH).

Staff in several countries read the same records: "12/06/2026" is June to some and December to others, and
a release time or a deadline misread by a month is worse than an unfamiliar format. Each language's module
re-exports ``iso``; ``zh`` covers zh_Hans and zh_Hant. Input formats stay Django's for each language.
"""
