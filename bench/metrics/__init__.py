"""Static code metrics of each implementation (`python -m bench loc`): `code_metrics`, with radon."""
