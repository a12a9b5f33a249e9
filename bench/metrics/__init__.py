"""Static code metrics: this project's parts (`code_metrics`, `bench loc`) and the field's PPO beside this pair
(`field_code`, `bench code`), both by the rules of `source_metrics`."""
