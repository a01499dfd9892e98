# grade_id: decay_rate
# message: only the first and last values used
def decay_rate(norms):
    return float((norms[0] / norms[-1]) ** (1 / (len(norms) - 1)))
