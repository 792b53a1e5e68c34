<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN" sourcelanguage="en">
<context>
    <name>Aspect</name>
    <message>
        <source>resized {w} × {h} → {iw} × {ih} ({sx}, shape kept)</source>
        <translation>缩放 {w} × {h} → {iw} × {ih}（{sx}，保持形状）</translation>
    </message>
    <message>
        <source>squashed {w} × {h} → {iw} × {ih}: width {sx}, height {sy}</source>
        <translation>压缩变形 {w} × {h} → {iw} × {ih}：宽度 {sx}，高度 {sy}</translation>
    </message>
    <message>
        <source>cropped to {bw} × {bh} of {w} × {h}, then resized → {iw} × {ih}: width {sx}, height {sy}</source>
        <translation>从 {w} × {h} 中裁剪出 {bw} × {bh}，再缩放 → {iw} × {ih}：宽度 {sx}，高度 {sy}</translation>
    </message>
    <message>
        <source>letterboxed {w} × {h} → {pw} × {ph} inside {iw} × {ih} (shape kept; the padding is masked out)</source>
        <translation>将 {w} × {h} 等比缩放为 {pw} × {ph}，置于 {iw} × {ih} 之中（保持长宽比；填充部分已屏蔽）</translation>
    </message>
    <message>
        <source>padded {w} × {h} to {bw} × {bh}, then resized → {iw} × {ih}: width {sx}, height {sy}</source>
        <translation>将 {w} × {h} 填充为 {bw} × {bh}，再缩放 → {iw} × {ih}：宽度 {sx}，高度 {sy}</translation>
    </message>
</context>
<context>
    <name>BranchesPanel</name>
    <message>
        <source>unimodal decision k</source>
        <translation>单模态决策 k</translation>
    </message>
    <message>
        <source>contribution</source>
        <translation>贡献</translation>
    </message>
    <message>
        <source>Each bar is one unimodal decision&apos;s contribution w_k·tanh(img_k)·tanh(txt_k)</source>
        <translation>每个柱表示一个单模态决策的贡献 w_k·tanh(img_k)·tanh(txt_k)</translation>
    </message>
    <message>
        <source>decision level: Σ contributions = {total} (blue raise the match score, red lower it)</source>
        <translation>决策级：贡献之和 Σ = {total}（蓝色提高匹配分数，红色降低）</translation>
    </message>
    <message>
        <source>feature level (joint attention) {feature}, decision level {decision}</source>
        <translation>特征级（联合注意力）{feature}，决策级 {decision}</translation>
    </message>
</context>
<context>
    <name>CellPanel</name>
    <message>
        <source>Click a cell of an attention matrix, or a patch in the cross-modal view, to see how its weight is made.</source>
        <translation>点击注意力矩阵中的一个单元格，或跨模态视图中的一个图像块，查看其权重是如何得出的。</translation>
    </message>
    <message>
        <source>q (the query&apos;s row of Q, this head)</source>
        <translation>q（查询在 Q 中的行，当前头）</translation>
    </message>
    <message>
        <source>k (the key&apos;s row of K)</source>
        <translation>k（键在 K 中的行）</translation>
    </message>
    <message>
        <source>q·k/√d_k for every key of this query</source>
        <translation>该查询对每个键的 q·k/√d_k</translation>
    </message>
    <message>
        <source>softmax of that row: the weights</source>
        <translation>该行的 softmax：即权重</translation>
    </message>
    <message>
        <source>v (the key&apos;s row of V)</source>
        <translation>v（键在 V 中的行）</translation>
    </message>
    <message>
        <source>weight × v: this cell&apos;s contribution</source>
        <translation>权重 × v：该单元格的贡献</translation>
    </message>
    <message>
        <source>the head&apos;s output for this query: Σ over keys of weight × v</source>
        <translation>该头对此查询的输出：对所有键求和 权重 × v</translation>
    </message>
    <message>
        <source>Computing q, k and v for {what}…</source>
        <translation>正在为 {what} 计算 q、k 和 v…</translation>
    </message>
    <message>
        <source>The record shown has no such cell: click a cell to explain it.</source>
        <translation>当前显示的记录中没有这个单元格：请点击一个单元格来解释它。</translation>
    </message>
    <message>
        <source>This weight cannot be explained: {message}</source>
        <translation>无法解释此权重：{message}</translation>
    </message>
    <message>
        <source>{kind}, layer {layer}, head {head}: weight of &apos;{q}&apos; → &apos;{k}&apos; = {w:.4f}</source>
        <translation>{kind}，第 {layer} 层，头 {head}：“{q}” → “{k}” 的权重 = {w:.4f}</translation>
    </message>
    <message>
        <source>Query: {q}; queries come from {qm}. Key: {k}; keys and values come from {km}.</source>
        <translation>查询：{q}；查询来自{qm}。键：{k}；键和值来自{km}。</translation>
    </message>
    <message>
        <source>masked: this query may not see this key (−∞)</source>
        <translation>已屏蔽：该查询不能看到这个键（−∞）</translation>
    </message>
    <message>
        <source>q·k = &lt;b&gt;{score:+.4f}&lt;/b&gt;; d_k = {d}, √d_k = {root:.3f}; scaled score q·k/√d_k = &lt;b&gt;{scaled}&lt;/b&gt;</source>
        <translation>q·k = &lt;b&gt;{score:+.4f}&lt;/b&gt;；d_k = {d}，√d_k = {root:.3f}；缩放后的分数 q·k/√d_k = &lt;b&gt;{scaled}&lt;/b&gt;</translation>
    </message>
    <message>
        <source>  ({n} masked, ×)</source>
        <translation>  （{n} 个已屏蔽，×）</translation>
    </message>
    <message>
        <source>  (sum {s:.3f})</source>
        <translation>  （总和 {s:.3f}）</translation>
    </message>
    <message>
        <source>This cell: exp(scaled) / Σ exp(row) = {w:.6f} (the model&apos;s own weight: {m:.6f}); the row&apos;s largest weight is {top:.4f}.</source>
        <translation>该单元格：exp(缩放分数) / Σ exp(整行) = {w:.6f}（模型自身的权重：{m:.6f}）；该行最大的权重为 {top:.4f}。</translation>
    </message>
    <message>
        <source>patch p{n} (row {r}, column {c})</source>
        <translation>图像块 p{n}（第 {r} 行，第 {c} 列）</translation>
    </message>
    <message>
        <source>[CLS] (position {i})</source>
        <translation>[CLS]（位置 {i}）</translation>
    </message>
    <message>
        <source>padding (position {i})</source>
        <translation>填充（位置 {i}）</translation>
    </message>
    <message>
        <source>the word &apos;{w}&apos; (position {i})</source>
        <translation>词“{w}”（位置 {i}）</translation>
    </message>
    <message>
        <source>one stream of [CLS] + words + patches</source>
        <translation>由 [CLS] + 词 + 图像块组成的单一序列</translation>
    </message>
    <message>
        <source>the image ([CLS] + patches)</source>
        <translation>图像（[CLS] + 图像块）</translation>
    </message>
    <message>
        <source>the text ([CLS] + words)</source>
        <translation>文本（[CLS] + 词）</translation>
    </message>
    <message>
        <source>Position embeddings: their share of this score is not available here.</source>
        <translation>位置编码：此处无法给出它在该分数中所占的份额。</translation>
    </message>
    <message>
        <source>Position embeddings: without them the scaled score would be {without:+.4f} (weight {w:.4f}); they add {share:+.4f} to it. Hover for how this is measured.</source>
        <translation>位置编码：去掉它们后，缩放分数为 {without:+.4f}（权重 {w:.4f}）；它们使分数增加了 {share:+.4f}。悬停查看测量方法。</translation>
    </message>
    <message>
        <source>What am I looking at: attention computes softmax(QKᵀ/√d_k)·V. Every position asks with a query vector q and offers a key k and a value v. A cell&apos;s weight is how well this query matches this key (q·k), divided by √d_k so scores do not grow with the vector length, then turned by the softmax into shares of the row that add up to 1. The head&apos;s output for the query is the sum of every key&apos;s value times its weight; this cell adds weight × v.</source>
        <translation>我看到的是什么：注意力计算 softmax(QKᵀ/√d_k)·V。每个位置用查询向量 q 提问，并提供键 k 和值 v。一个单元格的权重表示该查询与该键的匹配程度（q·k），除以 √d_k 以免分数随向量长度增大，再经 softmax 变为该行中总和为 1 的份额。该头对此查询的输出是所有键的值按权重加权之和；这个单元格贡献 权重 × v。</translation>
    </message>
    <message>
        <source>This is cross-attention: the queries come from {q} and the keys and values from {k}.</source>
        <translation>这是交叉注意力：查询来自{q}，键和值来自{k}。</translation>
    </message>
    <message>
        <source>One stream holds both modalities here, so this cell is where a {q} reads a {k}.</source>
        <translation>这里一个序列同时包含两种模态，因此该单元格表示一个{q}读取一个{k}。</translation>
    </message>
    <message>
        <source>word</source>
        <translation>词</translation>
    </message>
    <message>
        <source>patch</source>
        <translation>图像块</translation>
    </message>
</context>
<context>
    <name>CellTool</name>
    <message>
        <source>Attention weight, step by step</source>
        <translation>逐步解释注意力权重</translation>
    </message>
    <message>
        <source>layer {layer}, head {head}, query {q}, key {k}</source>
        <translation>第 {layer} 层，头 {head}，查询 {q}，键 {k}</translation>
    </message>
    <message>
        <source> (the views show the {r} over heads; this is head {h})</source>
        <translation>（视图显示的是各头的{r}；这里是头 {h}）</translation>
    </message>
</context>
<context>
    <name>ComparePanel</name>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>map</source>
        <translation>热力图</translation>
    </message>
    <message>
        <source>hard-negative accuracy</source>
        <translation>困难负样本准确率</translation>
    </message>
    <message>
        <source>colour hit</source>
        <translation>颜色命中</translation>
    </message>
    <message>
        <source>colour other</source>
        <translation>颜色其他</translation>
    </message>
    <message>
        <source>shape hit</source>
        <translation>形状命中</translation>
    </message>
    <message>
        <source>shape other</source>
        <translation>形状其他</translation>
    </message>
    <message>
        <source>energy</source>
        <translation>能量</translation>
    </message>
    <message>
        <source>Compare all models</source>
        <translation>比较所有模型</translation>
    </message>
    <message>
        <source>Run the current picture and sentence through each fusion strategy&apos;s current model (the models the fusion buttons switch between)</source>
        <translation>用每种融合策略的当前模型（融合按钮之间切换的那些模型）处理当前的图片和句子</translation>
    </message>
    <message>
        <source>The word whose map is shown for every model: each model shows its map of the same characters of the caption, however it splits them</source>
        <translation>为每个模型显示哪个词的热力图：无论模型如何切分，每个模型都显示说明文字中同一组字符的热力图</translation>
    </message>
    <message>
        <source>Models per strategy…</source>
        <translation>各策略的模型…</translation>
    </message>
    <message>
        <source>Which model each strategy is compared with (bundled unless you picked another)</source>
        <translation>每种策略用哪个模型参与比较（除非你另选，否则为内置模型）</translation>
    </message>
    <message>
        <source>Evaluation table</source>
        <translation>评估表</translation>
    </message>
    <message>
        <source>Held-out shapes-world scenes: matching accuracy and pointing game (computed once, then cached)</source>
        <translation>留出的形状世界场景：匹配准确率和指向游戏（pointing game）（只计算一次，之后使用缓存）</translation>
    </message>
    <message>
        <source>Each map shows the share of that model&apos;s map mass per patch, on one colour scale.</source>
        <translation>每张热力图显示该模型的热力图质量在各图像块上的占比，所有模型使用同一色标。</translation>
    </message>
    <message>
        <source>word</source>
        <translation>词</translation>
    </message>
    <message>
        <source>share of map mass</source>
        <translation>热力图质量占比</translation>
    </message>
    <message>
        <source>Nothing to compare yet: open a picture and load at least one model.</source>
        <translation>还没有可比较的内容：请打开一张图片并至少加载一个模型。</translation>
    </message>
    <message>
        <source>computing…</source>
        <translation>计算中…</translation>
    </message>
    <message>
        <source>evaluating %v of %m models</source>
        <translation>正在评估第 %v 个模型，共 %m 个</translation>
    </message>
    <message>
        <source>Each model on {n} held-out shapes-world scenes (seed 1000), the evaluation of the README&apos;s table; a model already evaluated comes from the cache.</source>
        <translation>每个模型在 {n} 个留出的形状世界场景上评估（种子 1000），即 README 表格中的评估；已评估过的模型直接取自缓存。</translation>
    </message>
    <message>
        <source>the shapes-world evaluation scores bundled strategies only</source>
        <translation>形状世界评估只对内置策略打分</translation>
    </message>
    <message>
        <source>failed: {error}</source>
        <translation>失败：{error}</translation>
    </message>
    <message>
        <source>match {p}</source>
        <translation>匹配 {p}</translation>
    </message>
    <message>
        <source>score {s}</source>
        <translation>分数 {s}</translation>
    </message>
    <message>
        <source>no token for “{word}” (the text was cut before it); </source>
        <translation>没有对应“{word}”的词元（文本在它之前被截断）；</translation>
    </message>
    <message>
        <source>“{word}” read as {tokens}; </source>
        <translation>“{word}”被读作 {tokens}；</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
</context>
<context>
    <name>CrossModalView</name>
    <message>
        <source>Loading PyTorch and the model; the first map appears in a moment…</source>
        <translation>正在加载 PyTorch 和模型，第一张热力图马上出现…</translation>
    </message>
    <message>
        <source>Click a patch to see its scores for every word; hover to read values</source>
        <translation>点击一个图像块查看它对每个词的分数；悬停可读取数值</translation>
    </message>
    <message>
        <source>As the model saw it</source>
        <translation>按模型所见显示</translation>
    </message>
    <message>
        <source>Draw the picture with the proportions of the model&apos;s input, as squashed, cropped or padded as the model saw it; untick for the picture&apos;s own shape</source>
        <translation>按模型输入的比例绘制图片，即模型看到的压缩、裁剪或填充后的样子；取消勾选则显示图片本身的形状</translation>
    </message>
    <message>
        <source>Click a patch to see how it scores every word</source>
        <translation>点击一个图像块，查看它对每个词的分数</translation>
    </message>
    <message>
        <source>Same axis for every layer and head</source>
        <translation>所有层和头使用同一坐标轴</translation>
    </message>
    <message>
        <source>Keep one y axis while you flip through layers and heads, so bar heights compare; unticked, the axis fits the scores shown</source>
        <translation>切换层和头时保持同一个 y 轴，以便比较柱高；取消勾选则坐标轴适应当前显示的分数</translation>
    </message>
    <message>
        <source>Nothing to show yet: the message above says what went wrong. Pick another model or picture.</source>
        <translation>暂无可显示内容：上方的消息说明了出错原因。请选择其他模型或图片。</translation>
    </message>
    <message>
        <source>There is no model to run yet: see the message above.</source>
        <translation>还没有可运行的模型：请看上方的消息。</translation>
    </message>
    <message>
        <source>Type some words to see where each of them looks in the picture.</source>
        <translation>输入一些词，看看每个词在图片中关注哪里。</translation>
    </message>
    <message>
        <source>  (signed: drawn blue–red around zero, whatever the colormap)</source>
        <translation>  （有正负：无论选择何种颜色映射，都以零为中心用蓝–红色绘制）</translation>
    </message>
    <message>
        <source>  (computing gradients for relevancy…)</source>
        <translation>（正在计算梯度加权相关性所需的梯度…）</translation>
    </message>
    <message>
        <source>The model saw it {how}.</source>
        <translation>模型看到的是：{how}。</translation>
    </message>
    <message>
        <source>No cross-modal attention in this model: patches do not look at words.</source>
        <translation>此模型没有跨模态注意力：图像块不会关注词。</translation>
    </message>
    <message>
        <source>  (the brightest patch; click any other)</source>
        <translation>（最亮的图像块；可点击其他任意图像块）</translation>
    </message>
    <message>
        <source>Every score here is at most {largest}; the axis stays fixed across layers and heads.</source>
        <translation>这里每个分数都不超过 {largest}；坐标轴在各层和各注意力头之间保持不变。</translation>
    </message>
    <message>
        <source>Axis fitted to these scores (up to {top}); other layers and heads reach {other}.</source>
        <translation>坐标轴已适应这些分数（最高 {top}）；其他层和头最高可达 {other}。</translation>
    </message>
    <message>
        <source>Patch → words: {label}</source>
        <translation>图像块 → 词：{label}</translation>
    </message>
    <message>
        <source> for &apos;{word}&apos;</source>
        <translation>（词“{word}”）</translation>
    </message>
    <message>
        <source>patch p{patch} (row {row}, col {col}): {value}</source>
        <translation>图像块 p{patch}（第 {row} 行，第 {col} 列）：{value}</translation>
    </message>
    <message>
        <source>patch p{patch}</source>
        <translation>图像块 p{patch}</translation>
    </message>
</context>
<context>
    <name>Curves</name>
    <message>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <source>step</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>matching accuracy</source>
        <translation>匹配准确率</translation>
    </message>
    <message>
        <source>all pairs</source>
        <translation>所有样本对</translation>
    </message>
    <message>
        <source>hard negatives</source>
        <translation>困难负样本</translation>
    </message>
</context>
<context>
    <name>Explain</name>
    <message>
        <source>Early fusion: words and patches run through one transformer; the map is the word&apos;s row of the joint attention over the patch columns.</source>
        <translation>早期融合（特征级融合）：词和图像块进入同一个 Transformer；热力图是该词在联合注意力矩阵中的那一行，取其中图像块对应的列。</translation>
    </message>
    <message>
        <source>Cross-attention fusion: each modality has its own encoder; the map is the word&apos;s cross-attention over the patches (queries from text, keys and values from the image).</source>
        <translation>交叉注意力融合：每个模态各有自己的编码器；热力图是该词对图像块的交叉注意力（查询来自文本，键和值来自图像）。</translation>
    </message>
    <message>
        <source>Hybrid fusion: a joint transformer (feature level) plus unimodal decisions (decision level); the map is the joint attention, the bars below split the match score between the two levels.</source>
        <translation>混合融合：联合 Transformer（特征级）加上单模态决策（决策级）；热力图是联合注意力，下方的条形图把匹配分数分解到这两个层级。</translation>
    </message>
    <message>
        <source>Late fusion: image and text are encoded separately and there is NO cross-modal attention. The map is what the image branch attended to (the same for every word); the bars show how each unimodal decision contributed to the match score.</source>
        <translation>晚期融合（决策级融合）：图像和文本分别编码，模型中没有任何跨模态注意力。热力图是图像分支自身关注的区域（对每个词都相同）；条形图显示每个单模态决策对匹配分数的贡献。</translation>
    </message>
    <message>
        <source>Dual encoder (contrastive, CLIP-like): there is NO cross-modal attention. The map is the cosine similarity between the word&apos;s embedding and each patch embedding — a similarity, not attention.</source>
        <translation>双编码器（对比学习，类似 CLIP）：模型中没有跨模态注意力。热力图是该词的嵌入与每个图像块嵌入之间的余弦相似度——这是相似度，不是注意力。</translation>
    </message>
    <message>
        <source>match probability {p}</source>
        <translation>匹配概率 {p}</translation>
    </message>
    <message>
        <source>, cosine {c}</source>
        <translation>，余弦 {c}</translation>
    </message>
    <message>
        <source>match score {s}</source>
        <translation>匹配分数 {s}</translation>
    </message>
    <message>
        <source>classes {list}</source>
        <translation>类别 {list}</translation>
    </message>
    <message>
        <source>answer {list}</source>
        <translation>答案 {list}</translation>
    </message>
    <message>
        <source>; </source>
        <translation>；</translation>
    </message>
    <message>
        <source>Match probability: how likely the model thinks it is that the sentence describes this picture (0 = not at all, 1 = surely).</source>
        <translation>匹配概率：模型认为该句子描述这张图片的可能性（0 = 完全不是，1 = 肯定是）。</translation>
    </message>
    <message>
        <source>For this dual encoder it comes from the cosine similarity of the picture&apos;s and the sentence&apos;s embeddings.</source>
        <translation>对于这个双编码器，它来自图片嵌入与句子嵌入的余弦相似度。</translation>
    </message>
    <message>
        <source>Match score: the scaled cosine similarity of the picture&apos;s and the sentence&apos;s embeddings; higher means a better match. It is not a probability: compare it between sentences for the same picture.</source>
        <translation>匹配分数：图片嵌入与句子嵌入的缩放余弦相似度；越高表示越匹配。它不是概率：请在同一张图片的不同句子之间比较。</translation>
    </message>
    <message>
        <source>This model gives no image-text match score.</source>
        <translation>该模型不给出图文匹配分数。</translation>
    </message>
    <message>
        <source>The bundled models were trained on captions of the whole scene (every shape, e.g. &apos;a red circle and a blue square&apos;); a sentence naming only one of several shapes is a mismatch to them and scores low.</source>
        <translation>内置模型是用描述整个场景的说明文字训练的（包含每个形状，例如 &apos;a red circle and a blue square&apos;）；只提到多个形状中一个的句子对它们来说是不匹配的，得分会很低。</translation>
    </message>
    <message>
        <source>BLIP, cross-attention fusion: a ViT encodes the image, and every layer of the BERT text encoder cross-attends from the words (queries) to the image&apos;s [CLS] and patches (keys and values); the map is the word&apos;s cross-attention over the patches.</source>
        <translation>BLIP，交叉注意力融合：一个 ViT 编码图像，BERT 文本编码器的每一层都从词（查询）交叉注意到图像的 [CLS] 和图像块（键和值）；热力图是该词对各图像块的交叉注意力。</translation>
    </message>
    <message>
        <source>Chinese-CLIP, a dual encoder (contrastive): there is NO cross-modal attention. The map is the cosine similarity of the token&apos;s projected embedding with each projected patch — a similarity, not attention.</source>
        <translation>Chinese-CLIP，双编码器（对比学习）：模型中没有跨模态注意力。热力图是该词元投影后的嵌入与每个投影后的图像块之间的余弦相似度——这是相似度，不是注意力。</translation>
    </message>
    <message>
        <source>CLIP, a dual encoder (contrastive): there is NO cross-modal attention. The map is the cosine similarity of the word&apos;s projected embedding with each projected patch — a similarity, not attention.</source>
        <translation>CLIP，双编码器（对比学习）：模型中没有跨模态注意力。热力图是该词投影后的嵌入与每个投影后的图像块之间的余弦相似度——这是相似度，不是注意力。</translation>
    </message>
    <message>
        <source>FLAVA, hybrid fusion: unimodal image and text encoders (with a contrastive head), then a multimodal encoder over both (feature level) with an image-text matching head; the map is the word&apos;s row of the multimodal encoder&apos;s joint attention over the patch columns.</source>
        <translation>FLAVA，混合融合：单模态的图像编码器和文本编码器（带对比学习头），再由一个多模态编码器处理两者（特征级），并带有图文匹配头；热力图是该词在多模态编码器联合注意力矩阵中的那一行，取其中图像块对应的列。</translation>
    </message>
    <message>
        <source>SigLIP, a dual encoder trained with a sigmoid loss: there is NO cross-modal attention. The map is the cosine similarity of the word&apos;s embedding with each patch&apos;s (the pooling head applied to that patch) — a similarity, not attention.</source>
        <translation>SigLIP，用 sigmoid 损失训练的双编码器：模型中没有跨模态注意力。热力图是该词的嵌入与每个图像块的嵌入（对该图像块应用池化头）之间的余弦相似度——这是相似度，不是注意力。</translation>
    </message>
    <message>
        <source>SigLIP 2 (NaFlex, the photo&apos;s own aspect ratio), a dual encoder: there is NO cross-modal attention. The map is the cosine similarity of the word&apos;s embedding with each patch&apos;s (the pooling head applied to that patch) — a similarity, not attention.</source>
        <translation>SigLIP 2（NaFlex，保持照片自身的宽高比），双编码器：模型中没有跨模态注意力。热力图是该词的嵌入与每个图像块的嵌入（对该图像块应用池化头）之间的余弦相似度——这是相似度，不是注意力。</translation>
    </message>
    <message>
        <source>ViLT, early fusion: the words, the image [CLS] and the patches run through one transformer; the map is the word&apos;s row of the joint attention over the patch columns.</source>
        <translation>ViLT，早期融合：词、图像 [CLS] 和图像块进入同一个 Transformer；热力图是该词在联合注意力矩阵中的那一行，取其中图像块对应的列。</translation>
    </message>
    <message>
        <source>ViLT for question answering, early fusion: the question&apos;s words, the image [CLS] and the patches run through one transformer; the map is the word&apos;s row of the joint attention over the patch columns, and the score is the top answer&apos;s.</source>
        <translation>用于视觉问答的 ViLT，早期融合：问题中的词、图像 [CLS] 和图像块进入同一个 Transformer；热力图是该词在联合注意力矩阵中的那一行，取其中图像块对应的列，分数是最高答案的分数。</translation>
    </message>
    <message>
        <source>ViT (Hugging Face), an image classifier: there is no text input and NO cross-modal attention; the views show the image&apos;s self-attention, its rollout and the relevancy of the top class.</source>
        <translation>ViT（Hugging Face），图像分类器：没有文本输入，也没有跨模态注意力；各视图显示图像的自注意力、注意力展开以及最高类别的相关性。</translation>
    </message>
    <message>
        <source>torchvision&apos;s VisionTransformer, an image classifier: there is no text input and NO cross-modal attention; the views show the image&apos;s self-attention, its rollout and the relevancy of the top class.</source>
        <translation>torchvision 的 VisionTransformer，图像分类器：没有文本输入，也没有跨模态注意力；各视图显示图像的自注意力、注意力展开以及最高类别的相关性。</translation>
    </message>
    <message>
        <source>SmolVLM, early fusion: the photo is cut into tiles plus a downscaled global view, each tile&apos;s patches merged 2 x 2 by pixel shuffle into tokens of a causal language model; the map is an answer token&apos;s attention on the image tokens, each tile in its place on the photo.</source>
        <translation>SmolVLM，早期融合：照片被切成若干图块和一张缩小的全局图，每个图块的图像块经像素重排（pixel shuffle）按 2 x 2 合并为因果语言模型中的词元；热力图是某个回答词元对图像词元的注意力，每个图块画在照片上它所在的位置。</translation>
    </message>
    <message>
        <source>LLaVA, early fusion: the photo&apos;s centre crop is one grid of CLIP patches, each projected into one token of a causal language model; the map is an answer token&apos;s attention on the image tokens.</source>
        <translation>LLaVA，早期融合：照片的中心裁剪是一个 CLIP 图像块网格，每个图像块投影为因果语言模型中的一个词元；热力图是某个回答词元对图像词元的注意力。</translation>
    </message>
    <message>
        <source>PaliGemma, early fusion as a prefix-LM: the photo&apos;s SigLIP patches, one token each, and the prompt form a prefix that attends both ways; the answer attends causally. The map is an answer token&apos;s attention on the image tokens.</source>
        <translation>PaliGemma，前缀语言模型形式的早期融合：照片的 SigLIP 图像块（每块一个词元）与提示词组成双向注意的前缀；回答按因果方式注意。热力图是某个回答词元对图像词元的注意力。</translation>
    </message>
</context>
<context>
    <name>Explorer</name>
    <message>
        <source>No models are installed. Build the bundled ones with `make models`, or train one with `mmexplorer train --fusion early --out early.safetensors` and pick it with File › Open checkpoint…</source>
        <translation>没有安装任何模型。可以用 `make models` 构建内置模型，或用 `mmexplorer train --fusion early --out early.safetensors` 训练一个，再通过 文件 › 打开检查点… 选择它</translation>
    </message>
    <message>
        <source>blank picture</source>
        <translation>空白图片</translation>
    </message>
    <message>
        <source>&apos;{token}&apos; is not one of the words {words}</source>
        <translation>“{token}”不是这些词之一：{words}</translation>
    </message>
</context>
<context>
    <name>ExportActions</name>
    <message>
        <source>PNG image (*.png);;SVG drawing (*.svg);;PDF document (*.pdf)</source>
        <translation>PNG 图片 (*.png);;SVG 矢量图 (*.svg);;PDF 文档 (*.pdf)</translation>
    </message>
    <message>
        <source>export failed: {error}</source>
        <translation>导出失败：{error}</translation>
    </message>
    <message>
        <source>Nothing to export yet: wait for the first probe.</source>
        <translation>还没有可导出的内容：请等待第一次探测完成。</translation>
    </message>
    <message>
        <source>Exporting {name}…</source>
        <translation>正在导出 {name}…</translation>
    </message>
    <message>
        <source>The current view is on the clipboard.</source>
        <translation>当前视图已复制到剪贴板。</translation>
    </message>
    <message>
        <source>Exported {path}</source>
        <translation>已导出 {path}</translation>
    </message>
    <message>
        <source>Export figure</source>
        <translation>导出图形</translation>
    </message>
    <message>
        <source>Export bundle into folder (type a new name to make one)</source>
        <translation>导出数据包到文件夹（输入新名称可新建文件夹）</translation>
    </message>
</context>
<context>
    <name>FigureDialog</name>
    <message>
        <source> dpi</source>
        <translation> dpi</translation>
    </message>
    <message>
        <source>Resolution of PNG figures; SVG and PDF are drawn as vectors</source>
        <translation>PNG 图形的分辨率；SVG 和 PDF 以矢量绘制</translation>
    </message>
    <message>
        <source>Resolution:</source>
        <translation>分辨率：</translation>
    </message>
</context>
<context>
    <name>HeadsView</name>
    <message>
        <source>What each thumbnail shows</source>
        <translation>每个缩略图显示的内容</translation>
    </message>
    <message>
        <source>Click a thumbnail to select its layer and head</source>
        <translation>点击缩略图以选择其层和头</translation>
    </message>
    <message>
        <source>(all thumbnails zoom together)</source>
        <translation>（所有缩略图一起缩放）</translation>
    </message>
    <message>
        <source>Show:</source>
        <translation>显示：</translation>
    </message>
    <message>
        <source>selected word → picture</source>
        <translation>所选词 → 图片</translation>
    </message>
    <message>
        <source>matrix: {kind}</source>
        <translation>矩阵：{kind}</translation>
    </message>
    <message>
        <source>head {n}</source>
        <translation>头 {n}</translation>
    </message>
    <message>
        <source>layer {n}</source>
        <translation>第 {n} 层</translation>
    </message>
    <message>
        <source>Type some words to compare heads.</source>
        <translation>输入一些词来比较各注意力头。</translation>
    </message>
    <message>
        <source>&apos;{word}&apos; → picture, raw attention of every head in every layer (one colour scale). Click a thumbnail to select its layer and head.</source>
        <translation>“{word}” → 图片：每一层每个注意力头的原始注意力（同一色标）。点击缩略图即可选中该层和该头。</translation>
    </message>
    <message>
        <source>{kind}: attention matrix of every head in every layer (one colour scale). Click a thumbnail to select its layer and head.</source>
        <translation>{kind}：每一层每个注意力头的注意力矩阵（同一色标）。点击缩略图即可选中该层和该头。</translation>
    </message>
    <message>
        <source>Rows (queries): {rows}. Columns (keys): {cols}. Hover a cell to name its two tokens.</source>
        <translation>行（查询）：{rows}。列（键）：{cols}。悬停在单元格上可查看对应的两个词元。</translation>
    </message>
    <message>
        <source>layer {layer}, head {head}</source>
        <translation>第 {layer} 层，头 {head}</translation>
    </message>
</context>
<context>
    <name>HelpMenu</name>
    <message>
        <source>Higher / lower layer</source>
        <translation>更高层 / 更低层</translation>
    </message>
    <message>
        <source>Your models</source>
        <translation>你的模型</translation>
    </message>
    <message>
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <source>Data folder ($MMEXPLORER_HOME overrides it)</source>
        <translation>数据文件夹（$MMEXPLORER_HOME 可覆盖）</translation>
    </message>
    <message>
        <source>Bundled models and samples</source>
        <translation>内置模型与示例</translation>
    </message>
    <message>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <source>&amp;Where files live</source>
        <translation>文件存放位置(&amp;W)</translation>
    </message>
    <message>
        <source>Where files live</source>
        <translation>文件存放位置</translation>
    </message>
    <message>
        <source>&amp;About mmexplorer</source>
        <translation>关于 mmexplorer(&amp;A)</translation>
    </message>
    <message>
        <source>About mmexplorer</source>
        <translation>关于 mmexplorer</translation>
    </message>
    <message>
        <source>&lt;p&gt;&lt;b&gt;mmexplorer&lt;/b&gt;: attention and modality fusion in multimodal (image + text) transformers.&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;mmexplorer&lt;/b&gt;：探索多模态（图像 + 文本）Transformer 中的注意力与模态融合。&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>HubDownload</name>
    <message>
        <source>{id} is not in the local Hugging Face cache and {host} cannot be reached: connect to the network and try again, or copy the model there with `huggingface-cli download {id}` where there is one.</source>
        <translation>{id} 不在本地 Hugging Face 缓存中，且无法连接 {host}：请联网后重试，或在有网络的机器上用 `huggingface-cli download {id}` 下载该模型后复制过来。</translation>
    </message>
    <message>
        <source>Downloading {id} from Hugging Face…</source>
        <translation>正在从 Hugging Face 下载 {id}…</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>Open from Hugging Face</source>
        <translation>从 Hugging Face 打开</translation>
    </message>
    <message>
        <source>Stopping the download of {id}…</source>
        <translation>正在停止下载 {id}…</translation>
    </message>
    <message>
        <source>Downloading {id} from Hugging Face: {done} of {total} MB</source>
        <translation>正在从 Hugging Face 下载 {id}：{done} / {total} MB</translation>
    </message>
</context>
<context>
    <name>InputActions</name>
    <message>
        <source>Images (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff *.ppm);;All files (*)</source>
        <translation>图片 (*.png *.jpg *.jpeg *.bmp *.gif *.webp *.tif *.tiff *.ppm);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Checkpoints (*.safetensors *.pt *.pth);;All files (*)</source>
        <translation>检查点 (*.safetensors *.pt *.pth);;所有文件 (*)</translation>
    </message>
    <message>
        <source>Open a picture</source>
        <translation>打开图片</translation>
    </message>
    <message>
        <source>Open a checkpoint</source>
        <translation>打开检查点</translation>
    </message>
    <message>
        <source>Open from Hugging Face</source>
        <translation>从 Hugging Face 打开</translation>
    </message>
    <message>
        <source>A Hugging Face model id, from your cache or downloaded into it (e.g. Salesforce/blip-itm-base-coco, dandelin/vilt-b32-finetuned-coco, google/siglip-base-patch16-224) or a model folder:</source>
        <translation>Hugging Face 模型 ID（取自本地缓存，或下载到缓存中，例如 Salesforce/blip-itm-base-coco、dandelin/vilt-b32-finetuned-coco、google/siglip-base-patch16-224）或模型文件夹：</translation>
    </message>
    <message>
        <source>Open a Hugging Face model folder</source>
        <translation>打开 Hugging Face 模型文件夹</translation>
    </message>
</context>
<context>
    <name>InputPanel</name>
    <message>
        <source>Drop a picture here
(or File › Open, Ctrl+V)</source>
        <translation>把图片拖放到这里
（或 文件 › 打开，Ctrl+V）</translation>
    </message>
    <message>
        <source>Drop an image file or image data anywhere on the window</source>
        <translation>把图片文件或图像数据拖放到窗口的任意位置</translation>
    </message>
    <message>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <source>Open an image file (Ctrl+O)</source>
        <translation>打开图片文件（Ctrl+O）</translation>
    </message>
    <message>
        <source>Paste</source>
        <translation>粘贴</translation>
    </message>
    <message>
        <source>Paste an image from the clipboard (Ctrl+V)</source>
        <translation>从剪贴板粘贴图片（Ctrl+V）</translation>
    </message>
    <message>
        <source>Picture</source>
        <translation>图片</translation>
    </message>
    <message>
        <source>Samples:</source>
        <translation>示例：</translation>
    </message>
    <message>
        <source>Describe the picture, e.g. a red circle and a blue square</source>
        <translation>描述图片（英文），例如 a red circle and a blue square</translation>
    </message>
    <message>
        <source>The sentence the model reads; the probe reruns as you type</source>
        <translation>模型读取的句子；输入时会自动重新探测</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>Words as the model sees them (click one):</source>
        <translation>模型看到的词（点击其中一个）：</translation>
    </message>
    <message>
        <source>{name}: {width} × {height} px</source>
        <translation>{name}：{width} × {height} 像素</translation>
    </message>
    <message>
        <source>Model: {prediction}</source>
        <translation>模型：{prediction}</translation>
    </message>
</context>
<context>
    <name>Inputs</name>
    <message>
        <source>nothing was dropped</source>
        <translation>没有拖放任何内容</translation>
    </message>
    <message>
        <source>nothing was pasted</source>
        <translation>没有粘贴任何内容</translation>
    </message>
    <message>
        <source>only local image files can be dropped (got {url})</source>
        <translation>只能拖放本地图片文件（收到的是 {url}）</translation>
    </message>
    <message>
        <source>only local image files can be pasted (got {url})</source>
        <translation>只能粘贴本地图片文件（收到的是 {url}）</translation>
    </message>
    <message>
        <source>dropped image</source>
        <translation>拖放的图片</translation>
    </message>
    <message>
        <source>pasted image</source>
        <translation>粘贴的图片</translation>
    </message>
    <message>
        <source>text was dropped, not an image; type text in the text box</source>
        <translation>拖放的是文本而不是图片；请在文本框中输入文字</translation>
    </message>
    <message>
        <source>text was pasted, not an image; type text in the text box</source>
        <translation>粘贴的是文本而不是图片；请在文本框中输入文字</translation>
    </message>
    <message>
        <source>what was dropped is not an image</source>
        <translation>拖放的内容不是图片</translation>
    </message>
    <message>
        <source>what was pasted is not an image</source>
        <translation>粘贴的内容不是图片</translation>
    </message>
</context>
<context>
    <name>Kinds</name>
    <message>
        <source>joint (text + image, one stream)</source>
        <translation>联合（文本 + 图像，单一流）</translation>
    </message>
    <message>
        <source>text self-attention</source>
        <translation>文本自注意力</translation>
    </message>
    <message>
        <source>image self-attention</source>
        <translation>图像自注意力</translation>
    </message>
    <message>
        <source>cross: text → image</source>
        <translation>交叉注意力：文本 → 图像</translation>
    </message>
    <message>
        <source>cross: image → text</source>
        <translation>交叉注意力：图像 → 文本</translation>
    </message>
</context>
<context>
    <name>LanguageMenu</name>
    <message>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <source>Show the interface in this language from the next start</source>
        <translation>下次启动时以此语言显示界面</translation>
    </message>
    <message>
        <source>the system&apos;s language</source>
        <translation>系统语言</translation>
    </message>
    <message>
        <source>Restart mmexplorer to see the interface in {language}.</source>
        <translation>重新启动 mmexplorer 后，界面将显示为{language}。</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>mmexplorer — {name} ({fusion})</source>
        <translation>mmexplorer — {name}（{fusion}）</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Open image…</source>
        <translation>打开图片(&amp;O)…</translation>
    </message>
    <message>
        <source>Open a picture</source>
        <translation>打开图片</translation>
    </message>
    <message>
        <source>Open &amp;recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <source>&amp;Paste image</source>
        <translation>粘贴图片(&amp;P)</translation>
    </message>
    <message>
        <source>Paste a picture from the clipboard</source>
        <translation>从剪贴板粘贴图片</translation>
    </message>
    <message>
        <source>Open &amp;checkpoint…</source>
        <translation>打开检查点(&amp;C)…</translation>
    </message>
    <message>
        <source>Load a model checkpoint file</source>
        <translation>加载模型检查点文件</translation>
    </message>
    <message>
        <source>Open model &amp;folder…</source>
        <translation>打开模型文件夹(&amp;F)…</translation>
    </message>
    <message>
        <source>Load a Hugging Face CLIP or ViT folder saved with save_pretrained (needs mmexplorer[hf])</source>
        <translation>加载用 save_pretrained 保存的 Hugging Face CLIP 或 ViT 文件夹（需要 mmexplorer[hf]）</translation>
    </message>
    <message>
        <source>Open from &amp;Hugging Face…</source>
        <translation>从 Hugging Face 打开(&amp;H)…</translation>
    </message>
    <message>
        <source>Load a model by its Hugging Face id from the local cache (ViLT, BLIP, FLAVA, CLIP, SigLIP, SigLIP 2, Chinese-CLIP; needs mmexplorer[hf])</source>
        <translation>按 Hugging Face id 从本地缓存加载模型（ViLT、BLIP、FLAVA、CLIP、SigLIP、SigLIP 2、Chinese-CLIP；需要 mmexplorer[hf]）</translation>
    </message>
    <message>
        <source>Re&amp;load model list</source>
        <translation>重新加载模型列表(&amp;L)</translation>
    </message>
    <message>
        <source>Look for new models in the models folders</source>
        <translation>在模型文件夹中查找新模型</translation>
    </message>
    <message>
        <source>Open pro&amp;be…</source>
        <translation>打开探测结果(&amp;B)…</translation>
    </message>
    <message>
        <source>Show a saved probe (.npz from mmexplorer probe or a script&apos;s record.save) in every view</source>
        <translation>在所有视图中显示已保存的探测结果（mmexplorer probe 或脚本中 record.save 写出的 .npz）</translation>
    </message>
    <message>
        <source>Open results &amp;store…</source>
        <translation>打开结果库(&amp;S)…</translation>
    </message>
    <message>
        <source>Step through the pairs of a batch probe&apos;s output folder (mmexplorer probe --pairs)</source>
        <translation>逐一浏览批量探测输出文件夹中的样本对（mmexplorer probe --pairs）</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <source>Quit mmexplorer</source>
        <translation>退出 mmexplorer</translation>
    </message>
    <message>
        <source>&amp;Probe</source>
        <translation>探测(&amp;P)</translation>
    </message>
    <message>
        <source>&amp;Run again</source>
        <translation>重新运行(&amp;R)</translation>
    </message>
    <message>
        <source>Run the model now</source>
        <translation>立即运行模型</translation>
    </message>
    <message>
        <source>&amp;Next word</source>
        <translation>下一个词(&amp;N)</translation>
    </message>
    <message>
        <source>Focus the next word</source>
        <translation>聚焦下一个词</translation>
    </message>
    <message>
        <source>&amp;Previous word</source>
        <translation>上一个词(&amp;P)</translation>
    </message>
    <message>
        <source>Focus the previous word</source>
        <translation>聚焦上一个词</translation>
    </message>
    <message>
        <source>Higher &amp;layer</source>
        <translation>更高层(&amp;L)</translation>
    </message>
    <message>
        <source>Show the next layer up (towards the output)</source>
        <translation>显示上一层（靠近输出）</translation>
    </message>
    <message>
        <source>Lower l&amp;ayer</source>
        <translation>更低层(&amp;A)</translation>
    </message>
    <message>
        <source>Show the next layer down (towards the input)</source>
        <translation>显示下一层（靠近输入）</translation>
    </message>
    <message>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <source>Open a saved probe</source>
        <translation>打开已保存的探测结果</translation>
    </message>
    <message>
        <source>Open a results store (the --out-dir of probe --pairs)</source>
        <translation>打开结果库（probe --pairs 的 --out-dir）</translation>
    </message>
    <message>
        <source>Results</source>
        <translation>结果</translation>
    </message>
    <message>
        <source>Results — {0}</source>
        <translation>结果 — {0}</translation>
    </message>
    <message>
        <source>Saved probes (*.npz);;All files (*)</source>
        <translation>已保存的探测结果 (*.npz);;所有文件 (*)</translation>
    </message>
</context>
<context>
    <name>MessageBar</name>
    <message>
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
</context>
<context>
    <name>ModelBar</name>
    <message>
        <source>Bundled models, your trained models (in the user models folder), or any checkpoint file</source>
        <translation>内置模型、你训练的模型（位于用户模型文件夹）或任意检查点文件</translation>
    </message>
    <message>
        <source>Model:</source>
        <translation>模型：</translation>
    </message>
    <message>
        <source>Fusion:</source>
        <translation>融合：</translation>
    </message>
    <message>
        <source>Device:</source>
        <translation>设备：</translation>
    </message>
    <message>
        <source>Where the model runs; Auto picks a GPU when there is one</source>
        <translation>模型运行的位置；“自动”会在有 GPU 时使用 GPU</translation>
    </message>
    <message>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <source>Run the model again on the current picture and text (Ctrl+R)</source>
        <translation>在当前图片和文本上重新运行模型（Ctrl+R）</translation>
    </message>
    <message>
        <source>{name}  ({fusion}, {source})</source>
        <translation>{name}（{fusion}，{source}）</translation>
    </message>
    <message>
        <source>no models installed</source>
        <translation>未安装模型</translation>
    </message>
    <message>
        <source>{model}  (file)</source>
        <translation>{model}  （文件）</translation>
    </message>
    <message>
        <source>loading models…</source>
        <translation>正在加载模型…</translation>
    </message>
    <message>
        <source>Open checkpoint…</source>
        <translation>打开检查点…</translation>
    </message>
    <message>
        <source>Switch to {model} ({fusion}) and probe the same input</source>
        <translation>切换到 {model}（{fusion}），并在同一输入上探测</translation>
    </message>
    <message>
        <source>No {fusion} model installed; train one: {command}</source>
        <translation>未安装{fusion}模型；可以这样训练一个：{command}</translation>
    </message>
</context>
<context>
    <name>ModelFiles</name>
    <message>
        <source>Delete user model</source>
        <translation>删除用户模型</translation>
    </message>
    <message>
        <source>Delete the model &apos;{name}&apos; from your model folder? This cannot be undone.</source>
        <translation>从你的模型文件夹中删除模型“{name}”？此操作无法撤销。</translation>
    </message>
    <message>
        <source>Only models you trained or added can be deleted; bundled ones stay.</source>
        <translation>只能删除你训练或添加的模型；内置模型会保留。</translation>
    </message>
    <message>
        <source>Could not delete {name}: {why}</source>
        <translation>无法删除 {name}：{why}</translation>
    </message>
    <message>
        <source>Deleted the model &apos;{name}&apos;.</source>
        <translation>已删除模型“{name}”。</translation>
    </message>
</context>
<context>
    <name>PairsModel</name>
    <message>
        <source>pair</source>
        <translation>样本对</translation>
    </message>
    <message>
        <source>score</source>
        <translation>得分</translation>
    </message>
    <message>
        <source>pointing</source>
        <translation>指向</translation>
    </message>
    <message>
        <source>energy</source>
        <translation>能量</translation>
    </message>
    <message>
        <source>status</source>
        <translation>状态</translation>
    </message>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <source>ok</source>
        <translation>成功</translation>
    </message>
    <message>
        <source>failed</source>
        <translation>失败</translation>
    </message>
</context>
<context>
    <name>PatchesView</name>
    <message>
        <source>Click a patch to compare its position embedding with every other patch&apos;s</source>
        <translation>点击一个图像块，将它的位置编码与其他每个图像块的位置编码进行比较</translation>
    </message>
    <message>
        <source>similarity to the selected patch</source>
        <translation>与所选图像块的相似度</translation>
    </message>
    <message>
        <source>every patch (grid of grids)</source>
        <translation>所有图像块（网格中的网格）</translation>
    </message>
    <message>
        <source>cosine similarity</source>
        <translation>余弦相似度</translation>
    </message>
    <message>
        <source>{rows} × {cols} patches of {patch} px (after resizing to {size} px); each cell below is the part of your picture one patch sees.</source>
        <translation>{rows} × {cols} 个 {patch} 像素的图像块（缩放到 {size} 像素之后）；下面的每个格子就是一个图像块看到的那部分图片。</translation>
    </message>
    <message>
        <source>This record has no position embeddings.</source>
        <translation>此记录没有位置编码。</translation>
    </message>
    <message>
        <source>learned</source>
        <translation>可学习</translation>
    </message>
    <message>
        <source>fixed 2D sine-cosine</source>
        <translation>固定的二维正弦-余弦</translation>
    </message>
    <message>
        <source>Position embeddings ({kind}): cosine similarity of patch p{patch} (row {row}, col {col}) to every patch, and of every patch to every patch, each tile at its own grid cell.</source>
        <translation>位置编码（{kind}）：图像块 p{patch}（第 {row} 行，第 {col} 列）与每个图像块的余弦相似度，以及每个图像块与所有图像块的相似度，每个小图位于其自身的网格位置。</translation>
    </message>
    <message>
        <source>The model saw it {how}.</source>
        <translation>模型看到的是：{how}。</translation>
    </message>
    <message>
        <source>Patch numbers hidden: cells are {size} px on screen (zoom in to see them).</source>
        <translation>图像块编号已隐藏：单元格在屏幕上只有 {size} 像素（放大即可查看）。</translation>
    </message>
    <message>
        <source>Patch numbers thinned to every {c}th column and {r}th row: cells are {size} px on screen (zoom in to see all).</source>
        <translation>图像块编号已稀疏为每 {c} 列、每 {r} 行显示一个：单元格在屏幕上只有 {size} 像素（放大即可全部查看）。</translation>
    </message>
    <message>
        <source>patch p{patch} (row {row}, col {col}) sees pixels x {x0}–{x1}, y {y0}–{y1} of the {width} × {height} picture</source>
        <translation>图像块 p{patch}（第 {row} 行，第 {col} 列）看到 {width} × {height} 图片中 x {x0}–{x1}、y {y0}–{y1} 的像素</translation>
    </message>
</context>
<context>
    <name>ProbeClient</name>
    <message>
        <source>the engine stopped while explaining this weight; click it again</source>
        <translation>解释该权重时引擎停止了；请再点击一次</translation>
    </message>
    <message>
        <source>The engine stopped {count} times in a row (exit code {code}) and was not restarted; use File › Reload model list to start it again</source>
        <translation>引擎连续停止了 {count} 次（退出码 {code}），未再重启；请使用 文件 › 重新加载模型列表 重新启动它</translation>
    </message>
    <message>
        <source>The engine stopped unexpectedly (exit code {code}); it was restarted and the current input is running again</source>
        <translation>引擎意外停止（退出码 {code}）；已重新启动，并正在重新运行当前输入</translation>
    </message>
</context>
<context>
    <name>ProbeWorker</name>
    <message>
        <source>the engine could not start: {error}</source>
        <translation>引擎无法启动：{error}</translation>
    </message>
    <message>
        <source>the GPU</source>
        <translation>GPU</translation>
    </message>
    <message>
        <source>Out of memory on {device}: this probe ran on the CPU instead</source>
        <translation>{device} 内存不足：本次探测改在 CPU 上运行</translation>
    </message>
    <message>
        <source>Out of memory: this model or picture needs more memory than there is</source>
        <translation>内存不足：该模型或图片所需的内存超出了可用内存</translation>
    </message>
    <message>
        <source>The model could not run on this input; it may be damaged or of a kind this explorer does not support ({detail})</source>
        <translation>模型无法处理此输入；它可能已损坏，或属于本工具不支持的类型（{detail}）</translation>
    </message>
</context>
<context>
    <name>SampleGallery</name>
    <message>
        <source>Bundled sample pictures: click one to load it with its caption</source>
        <translation>内置示例图片：点击一张即可连同其描述一起加载</translation>
    </message>
</context>
<context>
    <name>SavedBanner</name>
    <message>
        <source>Back to the live model</source>
        <translation>回到实时模型</translation>
    </message>
    <message>
        <source>Leave the saved work and run the model in the model bar on this picture and text</source>
        <translation>离开已保存的结果，用模型栏中的模型在这张图片和文本上运行</translation>
    </message>
    <message>
        <source>Saved work: {source}, made by the model {model} ({fusion}). The model controls are off while it is shown. {hint}</source>
        <translation>已保存的结果：{source}，由模型 {model}（{fusion}）生成。显示期间模型控件不可用。{hint}</translation>
    </message>
</context>
<context>
    <name>SavedWork</name>
    <message>
        <source>Its model was held in memory by a script, so it cannot run here; save it with save_pretrained and open that folder to explore it live.</source>
        <translation>它的模型只存在于某个脚本的内存中，因此无法在这里运行；请用 save_pretrained 保存模型，再打开该文件夹进行实时探索。</translation>
    </message>
    <message>
        <source>To run the model again, open it: mmexplorer gui --model {model}</source>
        <translation>要再次运行该模型，请打开它：mmexplorer gui --model {model}</translation>
    </message>
    <message>
        <source>the saved picture</source>
        <translation>保存的图片</translation>
    </message>
    <message>
        <source>no picture saved (grey)</source>
        <translation>未保存图片（灰色）</translation>
    </message>
</context>
<context>
    <name>SelfAttentionView</name>
    <message>
        <source> Dashed lines split [CLS] | words | patches on both axes, so the four blocks are words→words (top left), words→patches (top right), patches→words (bottom left) and patches→patches (bottom right).</source>
        <translation>虚线在两个轴上把 [CLS] | 词 | 图像块 分开，因此四个区块依次是：词→词（左上）、词→图像块（右上）、图像块→词（左下）和图像块→图像块（右下）。</translation>
    </message>
    <message>
        <source>Which attention set to show (queries on rows, keys on columns)</source>
        <translation>显示哪一组注意力（行是查询，列是键）</translation>
    </message>
    <message>
        <source>Click a cell to explain its weight; hover to read it</source>
        <translation>点击单元格以解释其权重；悬停可读取数值</translation>
    </message>
    <message>
        <source>query</source>
        <translation>查询</translation>
    </message>
    <message>
        <source>key</source>
        <translation>键</translation>
    </message>
    <message>
        <source>Click a cell to see its row over the picture and its weight explained step by step</source>
        <translation>点击一个单元格，查看其所在行在图片上的分布，并逐步解释其权重</translation>
    </message>
    <message>
        <source>Attention set:</source>
        <translation>注意力组：</translation>
    </message>
    <message>
        <source>mean over heads</source>
        <translation>各头平均</translation>
    </message>
    <message>
        <source>max over heads</source>
        <translation>各头最大值</translation>
    </message>
    <message>
        <source>min over heads</source>
        <translation>各头最小值</translation>
    </message>
    <message>
        <source>head {n}</source>
        <translation>头 {n}</translation>
    </message>
    <message>
        <source>{kind}, layer {layer} of 0–{last}, {head}: raw softmax weights, rows sum to 1.</source>
        <translation>{kind}，第 {layer} 层（共 0–{last}），{head}：原始 softmax 权重，每行之和为 1。</translation>
    </message>
    <message>
        <source>One colour scale for every layer and head; the top {share}% of weights (≥ {top}) saturate. Always one layer&apos;s raw weights: rollout and relevancy combine all layers and apply to the cross-modal map.</source>
        <translation>所有层和头使用同一色标；最高的 {share}% 权重（≥ {top}）颜色饱和。这里始终是单层的原始权重：注意力展开（rollout）和梯度加权相关性（relevancy）会合并所有层，只作用于跨模态热力图。</translation>
    </message>
    <message>
        <source>{name} attends to no image patches in this attention set</source>
        <translation>在这一组注意力中，{name} 不关注任何图像块</translation>
    </message>
    <message>
        <source> Click any row to pick another.</source>
        <translation>点击任意一行可换一个。</translation>
    </message>
    <message>
        <source>Row &apos;{name}&apos;: its attention over the picture (same colour scale as the matrix).</source>
        <translation>行“{name}”：它在图片上的注意力（与矩阵同一色标）。</translation>
    </message>
</context>
<context>
    <name>StatusBar</name>
    <message>
        <source>Starting the engine…</source>
        <translation>正在启动引擎…</translation>
    </message>
    <message>
        <source>Running the model…</source>
        <translation>正在运行模型…</translation>
    </message>
    <message>
        <source>Loading PyTorch and the model…</source>
        <translation>正在加载 PyTorch 和模型…</translation>
    </message>
    <message>
        <source>{n} model(s) available</source>
        <translation>有 {n} 个模型可用</translation>
    </message>
    <message>
        <source>No models installed</source>
        <translation>未安装模型</translation>
    </message>
    <message>
        <source>image only</source>
        <translation>仅图像</translation>
    </message>
    <message>
        <source>Model: {name} · {fusion}</source>
        <translation>模型：{name} · {fusion}</translation>
    </message>
    <message>
        <source>Device: {device}</source>
        <translation>设备：{device}</translation>
    </message>
    <message>
        <source>Last probe: {ms} ms</source>
        <translation>上次探测：{ms} 毫秒</translation>
    </message>
</context>
<context>
    <name>StoreBrowser</name>
    <message>
        <source>Results store</source>
        <translation>结果库</translation>
    </message>
    <message>
        <source>Failures only</source>
        <translation>仅显示失败</translation>
    </message>
    <message>
        <source>Show only the pairs that failed, with their errors</source>
        <translation>只显示失败的样本对及其错误</translation>
    </message>
    <message>
        <source>The word whose stored map is shown</source>
        <translation>显示其已存储热力图的词</translation>
    </message>
    <message>
        <source>◀ Previous</source>
        <translation>◀ 上一个</translation>
    </message>
    <message>
        <source>Next ▶</source>
        <translation>下一个 ▶</translation>
    </message>
    <message>
        <source>Word:</source>
        <translation>词：</translation>
    </message>
    <message>
        <source>Cannot open {0}: {1}</source>
        <translation>无法打开 {0}：{1}</translation>
    </message>
    <message>
        <source>{0} pairs, {1} failed</source>
        <translation>{0} 个样本对，{1} 个失败</translation>
    </message>
    <message>
        <source>Results store — {0}</source>
        <translation>结果库 — {0}</translation>
    </message>
    <message>
        <source>Pair {0} cannot be shown in the views: {1}</source>
        <translation>样本对 {0} 无法在视图中显示：{1}</translation>
    </message>
    <message>
        <source>{0}, pair {1}</source>
        <translation>{0}，样本对 {1}</translation>
    </message>
    <message>
        <source>Pair {0} cannot be read: {1}</source>
        <translation>无法读取样本对 {0}：{1}</translation>
    </message>
    <message>
        <source>Pair {0}: “{1}” ({2})</source>
        <translation>样本对 {0}：“{1}”（{2}）</translation>
    </message>
    <message>
        <source>{0} of {1}</source>
        <translation>第 {0} 个，共 {1} 个</translation>
    </message>
    <message>
        <source>The store holds no pairs.</source>
        <translation>结果库中没有样本对。</translation>
    </message>
    <message>
        <source>No pair matches.</source>
        <translation>没有匹配的样本对。</translation>
    </message>
    <message>
        <source>Pair {0}: “{1}”</source>
        <translation>样本对 {0}：“{1}”</translation>
    </message>
    <message>
        <source>Pair {0} failed: {1}</source>
        <translation>样本对 {0} 失败：{1}</translation>
    </message>
    <message>
        <source>Pair {0} is not in the store.</source>
        <translation>样本对 {0} 不在结果库中。</translation>
    </message>
    <message>
        <source>The picture is not available ({0}); the map is shown on its own.</source>
        <translation>图片不可用（{0}）；仅显示热力图。</translation>
    </message>
</context>
<context>
    <name>StrategyModelsDialog</name>
    <message>
        <source>Models per strategy</source>
        <translation>各策略的模型</translation>
    </message>
    <message>
        <source>The model each fusion button switches to, and that Compare runs for that strategy. Opening a model only explores it; pick it here to keep it on its button.</source>
        <translation>每个融合按钮切换到的模型，也是“比较”为该策略运行的模型。打开一个模型只是探索它；要让它留在按钮上，请在这里选择。</translation>
    </message>
    <message>
        <source>bundled ({model})</source>
        <translation>内置（{model}）</translation>
    </message>
    <message>
        <source>none installed</source>
        <translation>未安装</translation>
    </message>
    <message>
        <source>Reset to bundled</source>
        <translation>恢复为内置模型</translation>
    </message>
</context>
<context>
    <name>StrategyModelsMenu</name>
    <message>
        <source>&amp;Use this model for its fusion button</source>
        <translation>将此模型用于其融合按钮(&amp;U)</translation>
    </message>
    <message>
        <source>The fusion button of this model&apos;s strategy, and Compare, use it from now on</source>
        <translation>从现在起，该模型所属策略的融合按钮和“比较”都使用它</translation>
    </message>
    <message>
        <source>&amp;Models per strategy…</source>
        <translation>各策略的模型(&amp;M)…</translation>
    </message>
    <message>
        <source>Which model each fusion button and Compare use; reset to the bundled models</source>
        <translation>每个融合按钮和“比较”使用哪个模型；可恢复为内置模型</translation>
    </message>
    <message>
        <source>&amp;Use {model} for the {fusion} button</source>
        <translation>将 {model} 用于“{fusion}”按钮(&amp;U)</translation>
    </message>
    <message>
        <source>The {fusion} button and Compare now use {model} (Probe › Models per strategy… resets it).</source>
        <translation>“{fusion}”按钮和“比较”现在使用 {model}（探测 › 各策略的模型… 可恢复）。</translation>
    </message>
</context>
<context>
    <name>Summary</name>
    <message>
        <source>learned</source>
        <translation>可学习</translation>
    </message>
    <message>
        <source>fixed sine-cosine (2D for patches, 1D for words)</source>
        <translation>固定的正弦-余弦（图像块为二维，词为一维）</translation>
    </message>
    <message>
        <source>hard parameter sharing</source>
        <translation>硬参数共享</translation>
    </message>
    <message>
        <source>soft parameter sharing</source>
        <translation>软参数共享</translation>
    </message>
    <message>
        <source>model</source>
        <translation>模型</translation>
    </message>
    <message>
        <source>{name} ({source})</source>
        <translation>{name}（{source}）</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>fusion</source>
        <translation>融合方式</translation>
    </message>
    <message>
        <source>cross-modal attention</source>
        <translation>跨模态注意力</translation>
    </message>
    <message>
        <source>yes</source>
        <translation>有</translation>
    </message>
    <message>
        <source>no</source>
        <translation>无</translation>
    </message>
    <message>
        <source>layers</source>
        <translation>层数</translation>
    </message>
    <message>
        <source>heads</source>
        <translation>注意力头数</translation>
    </message>
    <message>
        <source>width</source>
        <translation>宽度</translation>
    </message>
    <message>
        <source>{width} (both modalities are projected to this shared width)</source>
        <translation>{width}（两种模态都被投影到这一共享宽度）</translation>
    </message>
    <message>
        <source>image</source>
        <translation>图像</translation>
    </message>
    <message>
        <source>{size} px, patches of {patch} px → {side} × {side} grid</source>
        <translation>{size} 像素，图像块 {patch} 像素 → {side} × {side} 网格</translation>
    </message>
    <message>
        <source>position encoding</source>
        <translation>位置编码</translation>
    </message>
    <message>
        <source>max words</source>
        <translation>最多词数</translation>
    </message>
    <message>
        <source>vocabulary</source>
        <translation>词表</translation>
    </message>
    <message>
        <source>tasks</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>objectives</source>
        <translation>训练目标</translation>
    </message>
    <message>
        <source>parameters</source>
        <translation>参数量</translation>
    </message>
    <message>
        <source>device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>last prediction</source>
        <translation>上次预测</translation>
    </message>
    <message>
        <source>joint</source>
        <translation>联合</translation>
    </message>
    <message>
        <source>text</source>
        <translation>文本</translation>
    </message>
    <message>
        <source>text→image</source>
        <translation>文本→图像</translation>
    </message>
    <message>
        <source>image→text</source>
        <translation>图像→文本</translation>
    </message>
    <message>
        <source>depth {depth}, unimodal depth {unimodal}</source>
        <translation>深度 {depth}，单模态深度 {unimodal}</translation>
    </message>
    <message>
        <source>, </source>
        <translation>，</translation>
    </message>
</context>
<context>
    <name>SummaryView</name>
    <message>
        <source>No model loaded yet.</source>
        <translation>尚未加载模型。</translation>
    </message>
</context>
<context>
    <name>Terms</name>
    <message>
        <source>early</source>
        <translation>早期</translation>
    </message>
    <message>
        <source>cross</source>
        <translation>交叉注意力</translation>
    </message>
    <message>
        <source>hybrid</source>
        <translation>混合</translation>
    </message>
    <message>
        <source>late</source>
        <translation>晚期</translation>
    </message>
    <message>
        <source>contrastive</source>
        <translation>对比</translation>
    </message>
    <message>
        <source>bundled</source>
        <translation>内置</translation>
    </message>
    <message>
        <source>user</source>
        <translation>用户</translation>
    </message>
    <message>
        <source>file</source>
        <translation>文件</translation>
    </message>
    <message>
        <source>Auto</source>
        <translation>自动</translation>
    </message>
    <message>
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <source>Apple GPU (MPS)</source>
        <translation>Apple GPU（MPS）</translation>
    </message>
    <message>
        <source>image-branch relevancy of [CLS] (no cross-modal attention: the same for every word)</source>
        <translation>图像分支 [CLS] 的梯度加权相关性（没有跨模态注意力：对每个词都相同）</translation>
    </message>
    <message>
        <source>image-branch rollout of [CLS] (no cross-modal attention: the same for every word)</source>
        <translation>图像分支 [CLS] 的注意力展开（没有跨模态注意力：对每个词都相同）</translation>
    </message>
    <message>
        <source>token-patch cosine similarity (dual encoder: not attention)</source>
        <translation>词元-图像块余弦相似度（双编码器：不是注意力）</translation>
    </message>
    <message>
        <source>token-patch cosine similarity (not attention)</source>
        <translation>词元-图像块余弦相似度（不是注意力）</translation>
    </message>
    <message>
        <source>gradient-weighted relevancy (Chefer et al. 2021)</source>
        <translation>梯度加权相关性（relevancy，Chefer 等，2021）</translation>
    </message>
    <message>
        <source>joint attention, word row → patch columns</source>
        <translation>联合注意力，词所在行 → 图像块所在列</translation>
    </message>
    <message>
        <source>joint attention, patch row → word columns</source>
        <translation>联合注意力，图像块所在行 → 词所在列</translation>
    </message>
    <message>
        <source>no cross-modal attention in this model</source>
        <translation>此模型没有跨模态注意力</translation>
    </message>
    <message>
        <source>image classifier: no text input; see the image attention views</source>
        <translation>图像分类器：没有文本输入；请查看图像注意力视图</translation>
    </message>
    <message>
        <source>joint attention word→patches</source>
        <translation>联合注意力 词→图像块</translation>
    </message>
    <message>
        <source>cross-attention text→image</source>
        <translation>交叉注意力 文本→图像</translation>
    </message>
    <message>
        <source>cross-attention image→text</source>
        <translation>交叉注意力 图像→文本</translation>
    </message>
    <message>
        <source>attention rollout</source>
        <translation>注意力展开（rollout）</translation>
    </message>
    <message>
        <source>, last layer ({n})</source>
        <translation>，最后一层（{n}）</translation>
    </message>
    <message>
        <source>no words</source>
        <translation>没有词</translation>
    </message>
    <message>
        <source>rollout</source>
        <translation>注意力展开</translation>
    </message>
    <message>
        <source>relevancy</source>
        <translation>梯度加权相关性</translation>
    </message>
    <message>
        <source>, mean over heads</source>
        <translation>，各头平均</translation>
    </message>
    <message>
        <source>, max over heads</source>
        <translation>，各头最大值</translation>
    </message>
    <message>
        <source>, min over heads</source>
        <translation>，各头最小值</translation>
    </message>
    <message>
        <source>{fusion} fusion</source>
        <translation>{fusion}融合</translation>
    </message>
    <message>
        <source>, layer {n}</source>
        <translation>，第 {n} 层</translation>
    </message>
    <message>
        <source>, head {h}</source>
        <translation>，头 {h}</translation>
    </message>
</context>
<context>
    <name>TokenChips</name>
    <message>
        <source>(the words appear once a model is loaded)</source>
        <translation>（模型加载后会显示词）</translation>
    </message>
    <message>
        <source>(no words yet: type a sentence above)</source>
        <translation>（还没有词：请在上方输入句子）</translation>
    </message>
    <message>
        <source>&apos;{word}&apos; is not in the model&apos;s vocabulary: the model sees [UNK]</source>
        <translation>“{word}”不在模型的词表中：模型看到的是 [UNK]</translation>
    </message>
    <message>
        <source>word {n}: click to see where it looks</source>
        <translation>第 {n} 个词：点击查看它关注哪里</translation>
    </message>
    <message>
        <source>… {n} more word(s) cut: the model reads at most {max}</source>
        <translation>… 另有 {n} 个词被截断：模型最多读取 {max} 个词</translation>
    </message>
</context>
<context>
    <name>Tools</name>
    <message>
        <source>Train</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <source>&amp;Export figure…</source>
        <translation>导出图形(&amp;E)…</translation>
    </message>
    <message>
        <source>Export &amp;bundle (figure + data + settings)…</source>
        <translation>导出数据包(&amp;B)（图形 + 数据 + 设置）…</translation>
    </message>
    <message>
        <source>Export with a grey picture (publication style)</source>
        <translation>以灰色图片导出（出版风格）</translation>
    </message>
    <message>
        <source>Exported maps lie over a grey copy of the picture instead of the colour one shown</source>
        <translation>导出的热力图叠加在图片的灰色副本上，而不是屏幕上显示的彩色图片</translation>
    </message>
    <message>
        <source>&amp;Delete user model…</source>
        <translation>删除用户模型(&amp;D)…</translation>
    </message>
    <message>
        <source>Remove the current model from your model folder (bundled models stay)</source>
        <translation>从你的模型文件夹中移除当前模型（内置模型保留）</translation>
    </message>
    <message>
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <source>&amp;Copy view as image</source>
        <translation>将视图复制为图片(&amp;C)</translation>
    </message>
    <message>
        <source>Trained model &apos;{name}&apos; loaded; it is in the model list.</source>
        <translation>已加载训练好的模型“{name}”；它已在模型列表中。</translation>
    </message>
</context>
<context>
    <name>TrainRunner</name>
    <message>
        <source>training failed: the engine stopped unexpectedly (exit code {code})</source>
        <translation>训练失败：引擎意外停止（退出码 {code}）</translation>
    </message>
</context>
<context>
    <name>TrainWorker</name>
    <message>
        <source>Training stopped: {reason}</source>
        <translation>训练已停止：{reason}</translation>
    </message>
    <message>
        <source>training failed: {error}</source>
        <translation>训练失败：{error}</translation>
    </message>
</context>
<context>
    <name>TrainingPanel</name>
    <message>
        <source>single task</source>
        <translation>单任务</translation>
    </message>
    <message>
        <source>two tasks, hard sharing</source>
        <translation>双任务，硬参数共享</translation>
    </message>
    <message>
        <source>two tasks, soft sharing</source>
        <translation>双任务，软参数共享</translation>
    </message>
    <message>
        <source>the bundled models: matching + grounding, about 10 minutes on 2 CPU cores</source>
        <translation>内置模型的配方：匹配 + 定位监督，2 个 CPU 核心约 10 分钟</translation>
    </message>
    <message>
        <source>in-app preset: visibly localised maps in about 5 minutes on 2 idle CPU cores (longer on a busy machine)</source>
        <translation>应用内预设：在 2 个空闲 CPU 核心上约 5 分钟即可得到明显定位的热力图（机器繁忙时更久）</translation>
    </message>
    <message>
        <source>matching loss alone, to compare attention with and without grounding</source>
        <translation>仅用匹配损失，用于比较有无定位监督时的注意力</translation>
    </message>
    <message>
        <source>matching + grounding + question answering, hard parameter sharing</source>
        <translation>匹配 + 定位监督 + 问答，硬参数共享</translation>
    </message>
    <message>
        <source>English and Chinese captions, more scenes that share words, swapped-colour negatives, pictures of other shapes</source>
        <translation>中英文描述，更多共用词语的场景，交换颜色的负例，各种长宽比的图片</translation>
    </message>
    <message>
        <source>grounding supervision (words → object boxes)</source>
        <translation>定位监督（词 → 物体框）</translation>
    </message>
    <message>
        <source>model name (default: fusion + time)</source>
        <translation>模型名称（默认：融合方式 + 时间）</translation>
    </message>
    <message>
        <source>fusion</source>
        <translation>融合方式</translation>
    </message>
    <message>
        <source>recipe</source>
        <translation>配方</translation>
    </message>
    <message>
        <source>steps</source>
        <translation>步数</translation>
    </message>
    <message>
        <source>learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <source>seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <source>device</source>
        <translation>设备</translation>
    </message>
    <message>
        <source>tasks</source>
        <translation>任务</translation>
    </message>
    <message>
        <source>save as</source>
        <translation>保存为</translation>
    </message>
    <message>
        <source>Start training</source>
        <translation>开始训练</translation>
    </message>
    <message>
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <source>%v / %m steps</source>
        <translation>%v / %m 步</translation>
    </message>
    <message>
        <source>Pick a fusion strategy and a recipe, then Start.</source>
        <translation>选择一种融合策略和一个配方，然后点击“开始训练”。</translation>
    </message>
    <message>
        <source>Replace model?</source>
        <translation>替换模型？</translation>
    </message>
    <message>
        <source>A model named {name} exists. Replace it?</source>
        <translation>名为 {name} 的模型已存在。要替换它吗？</translation>
    </message>
    <message>
        <source>Quit while training?</source>
        <translation>训练中退出？</translation>
    </message>
    <message>
        <source>{what} is still training. Quit anyway? The run stops and is lost (a checkpoint already written stays in your models folder).</source>
        <translation>{what} 仍在训练。仍要退出吗？训练将停止并丢失（已写入的检查点会保留在你的模型文件夹中）。</translation>
    </message>
    <message>
        <source>{file} ({step} of {total} steps)</source>
        <translation>{file}（第 {step} 步，共 {total} 步）</translation>
    </message>
    <message>
        <source>Not started: choose another name.</source>
        <translation>未开始：请换一个名称。</translation>
    </message>
    <message>
        <source>Starting {fusion} ({recipe}) → {file} ...</source>
        <translation>正在开始 {fusion}（{recipe}）→ {file} …</translation>
    </message>
    <message>
        <source>Cancelling after the current step ...</source>
        <translation>将在当前步结束后取消…</translation>
    </message>
    <message>
        <source>, hard negatives {share}</source>
        <translation>，困难负样本 {share}</translation>
    </message>
    <message>
        <source>step {step}/{total}: loss {loss}, accuracy {accuracy}</source>
        <translation>第 {step}/{total} 步：损失 {loss}，准确率 {accuracy}</translation>
    </message>
    <message>
        <source> (means of the last {n} steps, as the curves)</source>
        <translation>（最近 {n} 步的平均值，与曲线一致）</translation>
    </message>
    <message>
        <source>elapsed {elapsed}, about {eta} left</source>
        <translation>已用 {elapsed}，约剩 {eta}</translation>
    </message>
    <message>
        <source>Finished after {steps} steps: saved {file} and opened it.</source>
        <translation>已完成 {steps} 步：已保存 {file} 并打开。</translation>
    </message>
    <message>
        <source>Cancelled after {steps} steps. The last checkpoint is kept as {file} (not opened; File › Delete user model removes it).</source>
        <translation>已在 {steps} 步后取消。最后一个检查点保存为 {file}（未打开；可通过 文件 › 删除用户模型 移除）。</translation>
    </message>
    <message>
        <source>Cancelled after {steps} steps, before the first checkpoint: nothing was saved.</source>
        <translation>已在 {steps} 步后、第一个检查点之前取消：没有保存任何内容。</translation>
    </message>
</context>
<context>
    <name>VectorStrip</name>
    <message>
        <source>masked</source>
        <translation>已屏蔽</translation>
    </message>
</context>
<context>
    <name>ViewControls</name>
    <message>
        <source>One head</source>
        <translation>单个注意力头</translation>
    </message>
    <message>
        <source>Mean over heads</source>
        <translation>各头平均</translation>
    </message>
    <message>
        <source>Max over heads</source>
        <translation>各头最大值</translation>
    </message>
    <message>
        <source>Min over heads</source>
        <translation>各头最小值</translation>
    </message>
    <message>
        <source>Attention rollout (all layers)</source>
        <translation>注意力展开（rollout，所有层）</translation>
    </message>
    <message>
        <source>Gradient-weighted relevancy</source>
        <translation>梯度加权相关性（relevancy）</translation>
    </message>
    <message>
        <source>The raw softmax weights of the head picked on the right</source>
        <translation>右侧所选注意力头的原始 softmax 权重</translation>
    </message>
    <message>
        <source>Raw weights averaged over the heads of the layer</source>
        <translation>该层各注意力头原始权重的平均</translation>
    </message>
    <message>
        <source>For each pair, the strongest head</source>
        <translation>对每一对，取最强的注意力头</translation>
    </message>
    <message>
        <source>For each pair, the weakest head</source>
        <translation>对每一对，取最弱的注意力头</translation>
    </message>
    <message>
        <source>Abnar &amp; Zuidema 2020: attention (plus the residual) multiplied through every layer</source>
        <translation>Abnar 与 Zuidema 2020：把（加上残差的）注意力逐层相乘</translation>
    </message>
    <message>
        <source>Chefer et al. 2021: attention weighted by its gradient w.r.t. the match score, propagated through every layer</source>
        <translation>Chefer 等 2021：用匹配分数对注意力的梯度加权，并逐层传播</translation>
    </message>
    <message>
        <source>How heads and layers are combined into one map</source>
        <translation>如何把各注意力头和各层合成一张热力图</translation>
    </message>
    <message>
        <source>Layer (PgUp / PgDn)</source>
        <translation>层（PgUp / PgDn）</translation>
    </message>
    <message>
        <source>Head (for &apos;One head&apos;)</source>
        <translation>注意力头（用于“单个注意力头”）</translation>
    </message>
    <message>
        <source>Colormap of every map</source>
        <translation>所有热力图的颜色映射</translation>
    </message>
    <message>
        <source>Opacity of the map over the picture</source>
        <translation>热力图叠加在图片上的不透明度</translation>
    </message>
    <message>
        <source>Method:</source>
        <translation>方法：</translation>
    </message>
    <message>
        <source>Layer:</source>
        <translation>层：</translation>
    </message>
    <message>
        <source>Head:</source>
        <translation>头：</translation>
    </message>
    <message>
        <source>Colormap:</source>
        <translation>颜色映射：</translation>
    </message>
    <message>
        <source>Opacity:</source>
        <translation>不透明度：</translation>
    </message>
    <message>
        <source>Rollout and relevancy combine every layer: pick &apos;One head&apos; or a mean to choose a layer</source>
        <translation>注意力展开和相关性会合并所有层：请选择“单个头”或平均值来选择层</translation>
    </message>
    <message>
        <source>This dual encoder&apos;s map is a cosine similarity of final embeddings: there is no layer, head or method to pick here (they apply in the Self-attention and Heads views)</source>
        <translation>这个双编码器的热力图是最终嵌入的余弦相似度：这里没有可选的层、头或方法（它们在自注意力和注意力头视图中适用）</translation>
    </message>
    <message>
        <source>Signed similarities are always drawn with a diverging blue–red colormap, centred on zero; the colormap applies to the other views</source>
        <translation>有正负的相似度总是用以零为中心的蓝–红发散颜色映射绘制；颜色映射适用于其他视图</translation>
    </message>
    <message>
        <source>No cross-modal attention: the map is the image branch&apos;s rollout or relevancy through every layer, so there is no layer to pick here</source>
        <translation>没有跨模态注意力：热力图是图像分支贯穿所有层的注意力展开或相关性，因此这里没有可选的层</translation>
    </message>
    <message>
        <source> of 0–{last}</source>
        <translation>（共 0–{last}）</translation>
    </message>
    <message>
        <source>Layer of {set} (PgUp / PgDn); each attention set keeps its own</source>
        <translation>{set} 的层（PgUp / PgDn）；每个注意力集合各自记住自己的层</translation>
    </message>
    <message>
        <source>Does nothing here: </source>
        <translation>在此处无效：</translation>
    </message>
</context>
<context>
    <name>Views</name>
    <message>
        <source>Cross-modal</source>
        <translation>跨模态</translation>
    </message>
    <message>
        <source>Heads</source>
        <translation>注意力头</translation>
    </message>
    <message>
        <source>Patches &amp;&amp; positions</source>
        <translation>图像块与位置</translation>
    </message>
    <message>
        <source>Self-attention</source>
        <translation>自注意力</translation>
    </message>
    <message>
        <source>Model</source>
        <translation>模型</translation>
    </message>
</context>
<context>
    <name>Vocabulary</name>
    <message>
        <source>{n} words (listed below); any other word becomes [UNK], about which the model knows nothing.</source>
        <translation>{n} 个词（见下方列表）；其他任何词都会变成 [UNK]，模型对其一无所知。</translation>
    </message>
    <message>
        <source>its own subword tokenizer of {n} pieces: every word is read, split into pieces it knows (no [UNK]).</source>
        <translation>它自己的子词分词器，共 {n} 个词片：每个词都会被读取，拆分为它认识的词片（没有 [UNK]）。</translation>
    </message>
    <message>
        <source>this model reads no text.</source>
        <translation>该模型不读取文本。</translation>
    </message>
    <message>
        <source>This model splits words with its own tokenizer ({n} pieces).</source>
        <translation>该模型使用自己的分词器拆分词语（{n} 个词片）。</translation>
    </message>
    <message>
        <source>The model knows {n} words: {words} (all in the Model tab).</source>
        <translation>该模型认识 {n} 个词：{words}（完整列表见模型标签页）。</translation>
    </message>
    <message>
        <source>Most of these words are unknown to this model&apos;s tokenizer ({words} became [UNK]): its maps say little about them.</source>
        <translation>这些词大多不为该模型的分词器所知（{words} 变成了 [UNK]）：它的热力图对这些词说明不了什么。</translation>
    </message>
    <message>
        <source>Most of these words are unknown to this model ({words} became [UNK]): its maps say little about them. It knows only {n} words of the shapes world; try a sample picture and its caption, or open a real model (File › Open model folder…) for everyday pictures and words.</source>
        <translation>这些词大多不为该模型所知（{words} 变成了 [UNK]）：它的热力图对这些词说明不了什么。它只认识形状世界中的 {n} 个词；请试试示例图片及其说明文字，或者打开一个真实模型（文件 › 打开模型文件夹…）来处理日常图片和词语。</translation>
    </message>
</context>
</TS>
