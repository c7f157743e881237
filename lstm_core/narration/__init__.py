"""The sentences each experiment writes, from its arrays: one module per lesson, kept apart from the
numbers and tested over a grid of settings."""
