# grade_id: decay_rate
# message: returned 1 / r
import numpy as np


def decay_rate(norms):
    t = np.arange(len(norms))
    slope, _ = np.polyfit(t, np.log(norms), 1)
    return float(np.exp(slope))
