"""Evaluation of the fusion model against baselines: cross-validation, per-pair scores, metrics.

Modules
-------
``baselines``  ``domain_mean``, ``ridge``, ``gbm`` (fitted on training rows) and the ranking columns
               (``iptm``, ``ipsae_min``, ``pdockq``, ``lis``)
``metrics``    regression/ranking/classification metrics, Spearman bootstrap CI, ``metric_rows`` (long
               format), binder labels (given, or Kd below the category's assay ceiling)
``scores``     ``model_scores``: every pair of a model's scope with score, predicted Kd, split, labels, rank
``evaluate``   ``run_cv_fold`` (one fold = one job), ``evaluate_scope``, ``write_outputs``
``plots``      evaluation figures: training curves, metric bars (``cv`` rows), feature PCA, predictor colours
``cv_plots``   predicted vs observed Kd and ROC curves from the out-of-fold tables of every repeat

Folds: ``tfbind.model.folds`` (the model's inner cross-validation draws them too).

scikit-learn (baselines, AUROC/AUPRC) and torch (the fusion model) are imported where used.
"""
