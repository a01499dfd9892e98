# grade_id: decay_rate
# message: returned the slope
import numpy as np


def decay_rate(norms):
    t = np.arange(len(norms))
    slope, _ = np.polyfit(t, np.log(norms), 1)
    return float(slope)
