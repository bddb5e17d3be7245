"""The working-day calendar as the platform holds it: shipped years plus the years an
administrator loads when the State Council publishes a new holiday notice.

Foundation domain: statutory deadlines of other domains (sharing requests, hotline
cases …) are computed through its ``service`` module, and a year without a
loaded arrangement is reported as such, never guessed.
"""
