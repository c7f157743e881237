"""python -m lstm_core.experiments.stacked_bidir --precompute: see precomputed.main."""
import sys

from lstm_core.experiments.stacked_bidir.precomputed import main

sys.exit(main())
