"""Renderers: the same Report as a rich table for people; JSON, JUnit XML, GitHub annotations,
GitLab Code Quality and Markdown for programs and CI."""
