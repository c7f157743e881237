"""The tasks' data, pure NumPy, deterministic given a numpy Generator.

sequences.py   the adding, copy and temporal-order problems
lexicon.py     an English lexicon built by build_lexicon.py from inflect / lemminflect / wordfreq
               (lexicon.json), and `read`: any typed text -> token ids, unknown words by shape class
grammar.py     the agreement grammar in which the subject must be found (fronted phrases and clauses,
               relative clauses, coordination), over the lexicon
pool.py        a cached pool of training sentences per distance (test sentences stay fresh)
baselines.py   what shortcut rules (first noun, last noun, majority of nouns, bag of words) score
"""
