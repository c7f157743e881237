"""Size caps for everything a user (CLI, app, uploaded checkpoint) can ask for."""
MAX_T = 1000          # sequence length / distance
MAX_HIDDEN = 256      # recurrent units
MAX_EMBED = 256       # embedding size
MAX_STEPS = 5000      # training steps
MAX_BATCH = 1024      # batch size
MAX_TEST = 20000      # held-out examples per evaluation
MAX_UPLOAD_MB = 5                   # per uploaded file: = server.maxUploadSize in .streamlit/config.toml
MAX_CHECKPOINT_BYTES = MAX_UPLOAD_MB * 2**20   # safetensors upload (Streamlit's MB are MiB)
MAX_META_BYTES = 200_000            # JSON metadata upload


def check_int(name: str, value, lo: int, hi: int) -> int:
    """value as an int in [lo, hi], else ValueError naming the setting."""
    try:
        v = int(value)
    except (TypeError, ValueError, OverflowError):
        raise ValueError(f"{name} must be an integer, got {str(value)[:20]!r}") from None
    if v != value and not (isinstance(value, float) and value == v):
        raise ValueError(f"{name} must be an integer, got {str(value)[:20]!r}")
    if not lo <= v <= hi:
        raise ValueError(f"{name} must be between {lo} and {hi}, got {str(v)[:20]}")
    return v
