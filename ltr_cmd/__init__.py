"""pytracking-cmd, training side: paired RGB-TIR data, pseudo boxes, distillation losses and actors, train settings."""
