"""Training settings registered as ltr/train_settings/cmd/<name>.py (one run(settings) each)."""
