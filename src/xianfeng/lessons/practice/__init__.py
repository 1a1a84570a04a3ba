"""The micro lesson as a year-round practice (issue 16): 点课 (members ask for a topic),
轮番主讲 (a rota of speakers), the record of who has spoken (讲课记录) and the coverage of
"每人至少讲过一次". Models live in `models.py` here and are imported by lessons.models."""
