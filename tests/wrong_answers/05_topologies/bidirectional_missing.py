# grade_id: keras_bidirectional
# message: not bidirectional
import keras


def keras_bidirectional(n_features, n_hidden, n_outputs):
    """(B, T, D) -> Bidirectional(SimpleRNN), every state (2H) -> Dense: output (B, T, O)."""
    return keras.Sequential(
        [
            keras.Input(shape=(None, n_features)),
            keras.layers.SimpleRNN(n_hidden, return_sequences=True),
            keras.layers.Dense(n_outputs),
        ]
    )
