"""The dossier for the level that decides (hồ sơ đề nghị khen thưởng)."""
