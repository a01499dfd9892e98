# grade_id: decay_rate
# message: log10 with exp
import numpy as np


def decay_rate(norms):
    t = np.arange(len(norms))
    slope, _ = np.polyfit(t, np.log10(norms), 1)
    return float(np.exp(-slope))
