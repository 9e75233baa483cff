#!/usr/bin/env python3
"""Adds up the surefire and failsafe XML reports of every module into one closing line."""
import glob, sys, xml.etree.ElementTree as ET
root = sys.argv[1] if len(sys.argv) > 1 else "."
total = failed = skipped = 0
for f in glob.glob(f"{root}/*/target/*-reports/TEST-*.xml"):
    try:
        s = ET.parse(f).getroot()
    except ET.ParseError:
        continue
    total += int(s.get("tests", 0))
    failed += int(s.get("failures", 0)) + int(s.get("errors", 0))
    skipped += int(s.get("skipped", 0))
passed = total - failed - skipped
print(f"{passed} passed, {failed} failed, {skipped} skipped")
