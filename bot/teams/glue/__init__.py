"""Each feature's Teams glue: read the activity, call a use case, send its replies."""
