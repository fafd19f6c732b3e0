"""The hostile student files are run by the kit (tests/kit/test_hostile.py), never imported by pytest:
importing them patches numpy and the kit, or ends the process."""

collect_ignore_glob = ["*.py"]
