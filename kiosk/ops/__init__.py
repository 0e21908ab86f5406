"""Operations: settings, staff alerts, event log, content reloading, checks and the doctor."""
