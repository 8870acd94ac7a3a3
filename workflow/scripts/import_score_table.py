"""Rule import_score_table: an AlphaPulldown score table -> the features stage's three outputs."""



from tfbind import logs
from tfbind.features.alphapulldown_table import import_score_table
from tfbind.io import parquet_to_tsv

smk = snakemake  # noqa: F821 - injected by Snakemake
logs.setup(smk.log[0], echo=True)
import_score_table(
    smk.input.table,
    smk.input.tf_fasta,
    smk.input.domain_fasta,
    smk.output.models,
    smk.output.pairs,
    smk.output.failed,
    smk.params.cross_domain,
)
parquet_to_tsv(smk.output.models, smk.output.models_tsv)
parquet_to_tsv(smk.output.pairs, smk.output.pairs_tsv)
