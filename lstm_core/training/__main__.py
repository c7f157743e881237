"""`python -m lstm_core.training ...`: the training CLI (lstm_core.training.cli)."""
import sys

from lstm_core.training.cli import main

sys.exit(main())
