"""Static code metrics by one rule (`source_metrics`): this project's pair, its shared packages and the field's
PPO implementations, measured by `bench code` (`field_code`)."""
