"""Settings for the whole suite (src/ and tests/)."""

import os

from hypothesis import settings

# In CI the property tests are derandomised: the same examples on every run,
# so a red build always reproduces and an unlucky draw cannot block a landing.
# Locally they draw fresh examples each run, which is where new cases are found
# (hypothesis prints the failing example; add it as a plain test).
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI") == "true":
    settings.load_profile("ci")
