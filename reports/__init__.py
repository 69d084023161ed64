"""Reports: tallies into XLSX, CSV and DOCX bytes, and charts; no Telegram, no sessions."""
