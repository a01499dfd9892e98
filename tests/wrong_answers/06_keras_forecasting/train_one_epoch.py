# grade_id: train_forecaster
# Trained for one epoch only: the forecasts miss the stated bound.
import keras

# Build the forecaster for windows of 10 steps and train it on the training windows.
keras.utils.set_random_seed(0)
forecaster = build_forecaster(10)
forecaster.fit(data["X_train"], data["y_train"], epochs=1, batch_size=32, verbose=0)
