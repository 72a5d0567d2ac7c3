"""Telegram-specific pieces: target parsing, Telethon→DataFrame conversion, error mapping."""
