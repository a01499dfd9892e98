# grade_id: keras_many_to_many
# message: activation on the output layer
import keras


def keras_many_to_many(n_features, n_hidden, n_outputs):
    """(B, T, D) -> SimpleRNN(n_hidden), every state -> Dense(n_outputs): output (B, T, O)."""
    return keras.Sequential(
        [
            keras.Input(shape=(None, n_features)),
            keras.layers.SimpleRNN(n_hidden, return_sequences=True),
            keras.layers.Dense(n_outputs, activation="tanh"),
        ]
    )
