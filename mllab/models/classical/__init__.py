"""Classical estimators (scikit-learn contract), one module per family."""
