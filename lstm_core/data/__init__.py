"""Data for the agreement task: an English lexicon built from kept libraries, a reader for any
typed sentence, a grammar that generates sentences whose subject must be found, and shortcut
baselines that show the grammar cannot be solved without structure."""
