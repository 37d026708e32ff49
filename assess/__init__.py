"""assess: everything that reads the numbers: adoption advice, business case, datasheets,
portfolio reports and the command line."""

__all__: list[str] = []
