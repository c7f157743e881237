"""python -m lstm_core.experiments.number_units --precompute: see precomputed.main."""
import sys

from lstm_core.experiments.number_units.precomputed import main

sys.exit(main())
