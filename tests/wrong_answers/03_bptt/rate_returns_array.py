# grade_id: decay_rate
# message: It is an array of shape (2,)
import numpy as np


def decay_rate(norms):
    t = np.arange(len(norms))
    return np.exp(-np.polyfit(t, np.log(norms), 1))
