# grade_id: build_forecaster
# message: activation on the output layer
import keras


def build_forecaster(n_steps, n_hidden=32):
    """keras.Input((n_steps, 1)) -> SimpleRNN(n_hidden) -> Dense(1), compiled with Adam(0.01) and MSE."""
    model = keras.Sequential(
        [
            keras.Input(shape=(n_steps, 1)),
            keras.layers.SimpleRNN(n_hidden),
            keras.layers.Dense(1, activation="tanh"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="mse")
    return model
